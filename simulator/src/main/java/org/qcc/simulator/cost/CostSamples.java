// The cost model's training data: synthesized layers, their stages and the resources yosys counted.
package org.qcc.simulator.cost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cycle.Dataflow;

/**
 * A samples file holds one JSON line per calibration grid point: the network's layers as schedule
 * stages with the resources synthesis gave each, or why the point was skipped. Lines, not one
 * document, so a run appends each point as it finishes and an interrupted run keeps them all.
 */
public final class CostSamples {
  private CostSamples() {}

  /** One synthesized layer: its stage and its resources by kind (yosys's cell groups). */
  public record Layer(Dataflow.Stage stage, Map<String, Long> resources) {}

  /** Grid point {@code point} for {@code device}: its layers, or (with no layers) why it was {@code skipped}. */
  public record Point(int point, String device, String description, double seconds, List<Layer> layers, String skipped) {
    public Point {
      layers = List.copyOf(layers);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /**
   * The points in {@code file}. A last line cut short (a run stopped while appending) is left out,
   * so that point is synthesized again; any other unreadable line is an error naming it.
   */
  public static List<Point> read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DiagnosticException(file.toString(), "no samples file here (`qcc calibrate-cost` writes one)");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        out.add(JSON.readValue(line, Point.class));
      } catch (JsonProcessingException e) {
        if (i == lines.size() - 1) {
          break;
        }
        throw new DiagnosticException(file + ":" + (i + 1), "not a calibration sample: " + e.getOriginalMessage());
      }
    }
    return out;
  }

  /** The points in {@code file}, as {@link #read}, which must all be {@code device}'s. */
  public static List<Point> read(Path file, String device) {
    List<Point> points = read(file);
    for (Point p : points) {
      if (!p.device().equals(device)) {
        throw new DiagnosticException(file.toString(), "it holds samples for " + p.device() + ", not " + device + " (one file per device)");
      }
    }
    return points;
  }

  /** Appends point {@code p} to {@code file} as one line, making the file and its folder if need be. */
  public static void append(Path file, Point p) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, JSON.writeValueAsString(p) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
