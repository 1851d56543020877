// qcc calibrate-cost: synthesizes the calibration grid's networks with yosys, one sample line per network.
package org.qcc.testbenches;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.qcc.backends.BackendException;
import org.qcc.backends.rtl.Manifest;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cost.CostSamples;
import org.qcc.simulator.cycle.Dataflow;

/**
 * Collects the cost model's training data: each grid point of {@link CalibrationNetworks} is
 * compiled to RTL and synthesized for the device, and its layers' stages and resources are appended
 * to a samples file as one JSON line ({@link CostSamples}). A point is written only once yosys has
 * finished it, so an interrupted run loses at most the point it was on and a rerun resumes after
 * the last point on file. A point the compiler refuses is recorded as skipped, with why.
 */
public final class CostCalibration {
  private CostCalibration() {}

  /** What a collection did: points synthesized now, points already on file, points skipped now, seconds. */
  public record Collected(int synthesized, int resumed, int skipped, double seconds) {}

  /**
   * Makes sure {@code samples} holds grid points {@code 0 .. points - 1} for {@code device},
   * synthesizing in {@code work} the ones it lacks; {@code progress} hears each point.
   */
  public static Collected collect(Synthesis.Device device, int points, Path samples, Path work, Consumer<String> progress) {
    ExternalTool.require("yosys", "yosys");
    List<CostSamples.Point> known = Files.exists(samples) ? CostSamples.read(samples, device.name()) : List.of();
    boolean[] done = new boolean[points];
    known.stream().filter(p -> p.point() < points).forEach(p -> done[p.point()] = true);
    int resumed = (int) IntStream.range(0, points).filter(i -> done[i]).count();
    long start = System.nanoTime();
    int synthesized = 0;
    int skipped = 0;
    for (int i = 0; i < points; i++) {
      if (done[i]) {
        continue;
      }
      CalibrationNetworks.Point point = CalibrationNetworks.point(i);
      progress.accept(String.format("point %d of %d (%d left): %s", i + 1, points, points - i - 1, point.description()));
      CostSamples.Point sample;
      try {
        sample = synthesize(device, point, work.resolve("p" + i));
        synthesized++;
      } catch (DiagnosticException | BackendException e) {
        sample = new CostSamples.Point(i, device.name(), point.description(), 0, List.of(), e.getMessage());
        skipped++;
      }
      CostSamples.append(samples, sample);
    }
    return new Collected(synthesized, resumed, skipped, (System.nanoTime() - start) / 1e9);
  }

  private static CostSamples.Point synthesize(Synthesis.Device device, CalibrationNetworks.Point point, Path dir) {
    Random images = new Random(point.index());
    RtlCompiler.write(point.graph(), dir, "p" + point.index(), point.maxPe(), point.maxSimd(), 0, perImage -> {
      float[] x = new float[perImage];
      for (int k = 0; k < perImage; k++) {
        x[k] = (float) images.nextGaussian();
      }
      return x;
    });
    Synthesis.Report report = Synthesis.run(dir, device, step -> {});
    Dataflow dataflow = Manifest.read(dir).dataflow(dir);
    List<CostSamples.Layer> layers = new ArrayList<>();
    for (int l = 0; l < report.layers().size(); l++) {
      layers.add(new CostSamples.Layer(dataflow.stages().get(l), report.layers().get(l).resources()));
    }
    try {
      Folders.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new CostSamples.Point(point.index(), device.name(), point.description(), report.seconds(), layers, null);
  }
}
