// The calibrated resource cost model: a layer's resources as weighted sums of its parts.
package org.qcc.simulator.cost;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cycle.Dataflow;

/**
 * Estimates each stage's resources by kind (the kinds {@code qcc synth} reports for the device)
 * as a weighted sum of its {@link LayerFeatures}; the weights come from {@link CostFit} on
 * synthesized layers, and the model carries the error it had on the layers held out of its fit.
 * qcc ships one per calibrated device, made by {@code qcc calibrate-cost}.
 */
public record CostModel(String device, String calibration, int trainingLayers, Map<String, CostFit.Error> heldOutErrors, Map<String, Map<String, Double>> coefficients) {

  /** The devices qcc ships a model for. */
  public static final List<String> SHIPPED = List.of("xc7", "xcu", "ice40", "up5k");

  /**
   * Each stage's estimated resources by kind, the whole design's, and what the estimate leaves out:
   * parts the calibration grid has no layers with.
   */
  public record Estimate(String device, List<StageResources> stages, Map<String, Long> total, List<String> notCounted) {}

  /** A stage's estimated resources by kind. */
  public record StageResources(String name, Map<String, Long> resources) {}

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The model qcc ships for {@code device}. */
  public static CostModel shipped(String device) {
    if (!SHIPPED.contains(device)) {
      throw new DiagnosticException(device, "qcc has no calibrated cost model for this device (it has " + String.join(", ", SHIPPED) + "; `qcc calibrate-cost --device " + device + "` makes one)");
    }
    try (InputStream in = CostModel.class.getResourceAsStream(device + ".json")) {
      return JSON.readValue(in, CostModel.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A model written by {@link #write}. */
  public static CostModel read(Path file) {
    try {
      return JSON.readValue(file.toFile(), CostModel.class);
    } catch (IOException e) {
      throw new DiagnosticException(file.toString(), "not a cost model: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    JSON.writeValue(partial.toFile(), this);
    Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Stage {@code s}'s resources by kind, unrounded; its single-port RAMs as placed, not fitted. */
  public Map<String, Double> stage(Dataflow.Stage s) {
    Map<String, Double> features = LayerFeatures.of(s, CostFit.traits(device));
    Map<String, Double> out = new TreeMap<>();
    coefficients.forEach((kind, weights) -> {
      double sum = 0;
      for (Map.Entry<String, Double> w : weights.entrySet()) {
        sum += w.getValue() * features.getOrDefault(w.getKey(), 0.0);
      }
      out.put(kind, sum);
    });
    if (s.spramBlocks() > 0) {
      out.put("spram", (double) s.spramBlocks());
    }
    return out;
  }

  /** Every stage's resources and the total, rounded to whole cells. */
  public Estimate estimate(Dataflow d) {
    List<StageResources> stages = new ArrayList<>();
    Map<String, Long> total = new TreeMap<>();
    List<String> notCounted = new ArrayList<>();
    for (Dataflow.Stage s : d.stages()) {
      if (s.floatPath()) {
        notCounted.add(s.name() + ": its fp32 float path (scale, residual add, global pool), which no calibration layer has");
      }
      Map<String, Long> r = new LinkedHashMap<>();
      stage(s).forEach((kind, v) -> r.put(kind, Math.round(v)));
      r.forEach((kind, v) -> total.merge(kind, v, Long::sum));
      stages.add(new StageResources(s.name(), r));
    }
    return new Estimate(device, stages, total, notCounted);
  }
}
