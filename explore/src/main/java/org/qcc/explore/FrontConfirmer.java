// Confirms points on real tools: writes each one's RTL, co-simulates it on Verilator, synthesizes it with yosys.
package org.qcc.explore;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.qcc.backends.BackendException;
import org.qcc.backends.rtl.IceBreaker;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.simulator.cost.CostFit;
import org.qcc.testbenches.ChainCosimulation;
import org.qcc.testbenches.Synthesis;
import org.qcc.testbenches.ToolException;
import org.qcc.testbenches.Verilator;

/**
 * The estimates a sweep ranks points by come from models; this checks the chosen few against the
 * tools they model. Each point's design is kept in {@code designs/ID}, where {@code qcc sim} and
 * {@code qcc synth} can take it up again. A missing tool skips its step with the command that
 * installs it; the other step still runs.
 */
public final class FrontConfirmer {
  private final PointEvaluator evaluator;
  private final Device device;
  private final FashionMnist test;
  private final Path designs;
  private final int images;
  private final Consumer<String> progress;

  public FrontConfirmer(PointEvaluator evaluator, Device device, FashionMnist test, Path designs, int images, Consumer<String> progress) {
    this.evaluator = evaluator;
    this.device = device;
    this.test = test;
    this.designs = designs;
    this.images = images;
    this.progress = progress;
  }

  /** The yosys target that synthesizes for {@code device}. */
  static Synthesis.Device synthesisDevice(Device device) {
    // Each cost model is named after the yosys target its calibration synthesized for.
    return Synthesis.Device.valueOf(device.costModel());
  }

  public Confirmation confirm(Point p) {
    long start = System.nanoTime();
    String id = p.id(evaluator.context());
    Path dir = designs.resolve(id);
    Graph g = evaluator.quantized(p);
    try {
      RtlCompiler.write(g, dir, "point", p.pe(), p.simd(), 0, IceBreaker.DEFAULT_BAUD, device.sprams(), perImage -> test.batch(0, images).data());
    } catch (BackendException e) {
      return new Confirmation(id, dir.toString(), null, 0, 0, null, null, "no hardware: " + e.getMessage(), null, Map.of(), "no hardware", seconds(start));
    }
    Boolean bitExact = null;
    int mismatches = 0;
    Double cycles = null;
    Boolean agrees = null;
    String verilatorNote = null;
    if (!Verilator.available()) {
      verilatorNote = "skipped: verilator is not installed (apt-get install verilator, or ./test.sh)";
    } else {
      try {
        ChainCosimulation.Report r = ChainCosimulation.run(dir, images, null, progress);
        bitExact = r.bitExact();
        mismatches = r.mismatchCount();
        cycles = r.cyclesPerImage();
        agrees = r.modelAgrees();
      } catch (ToolException | DiagnosticException e) {
        verilatorNote = "failed: " + e.getMessage().lines().findFirst().orElse("");
      }
    }
    Synthesis.Device target = synthesisDevice(device);
    Map<String, Long> synthesized = Map.of();
    String synthesisNote = null;
    if (!Synthesis.available()) {
      synthesisNote = "skipped: yosys is not installed (apt-get install yosys, or ./test.sh)";
    } else {
      try {
        synthesized = CostFit.observed(Synthesis.run(dir, target, progress).total());
      } catch (ToolException | DiagnosticException e) {
        synthesisNote = "failed: " + e.getMessage().lines().findFirst().orElse("");
      }
    }
    return new Confirmation(id, dir.toString(), bitExact, bitExact == null ? 0 : images, mismatches, cycles, agrees, verilatorNote, target.name(), synthesized, synthesisNote, seconds(start));
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
