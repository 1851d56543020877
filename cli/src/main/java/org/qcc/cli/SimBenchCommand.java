// qcc bench sim: the cycle-level model against Verilator on the bundled models' accelerators.
package org.qcc.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.backends.rtl.Manifest;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.explore.DatasetCalibration;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.testbenches.ChainCosimulation;
import org.qcc.testbenches.Folders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "sim",
    description = {
      "The cycle-level model next to Verilator on the bundled models, quantized and compiled to RTL",
      "folded by --fold: the same test images through both in one run, the cycles each counts (they",
      "must agree: exit code 1 if not), the time each took, and the model's speed-up over Verilator's",
      "simulation alone and with its build."
    },
    footer = {"%nExamples:", "  qcc bench sim", "  qcc bench sim --model mlp --images 20 --json"})
final class SimBenchCommand implements Callable<Integer> {
  @Option(names = "--model", split = ",", defaultValue = "mlp,cnn", description = "Bundled models (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--images", defaultValue = "100", description = "Test images through both (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--passes", defaultValue = "quantize{weights=int8,acts=int8}", description = "Quantization before compiling (default: ${DEFAULT-VALUE}).")
  String passes;

  @Option(names = "--fold", defaultValue = "16", description = "Largest PE and SIMD (default: ${DEFAULT-VALUE}).")
  int fold;

  @Option(names = "--seconds", defaultValue = "2", description = "Time to measure the model's run, after a warm-up (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One model's row: both simulators' counts and times. */
  record Row(String model, int images, long cycles, long modelCycles, long latency, long modelLatency, double buildSeconds, double simSeconds, double modelMs) {
    boolean agree() {
      return cycles == modelCycles && latency == modelLatency;
    }

    double speedup() {
      return simSeconds * 1000 / modelMs;
    }

    double speedupWithBuild() {
      return (buildSeconds + simSeconds) * 1000 / modelMs;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (images < 1 || fold < 1 || seconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--images and --fold must be at least 1, --seconds positive");
    }
    var progress = common.progress(spec.commandLine().getErr());
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    FashionMnist test = FashionMnist.load(Models.home().resolve("data/fashion-mnist-subset"));
    if (images > test.count()) {
      throw new ParameterException(spec.commandLine(), "--images " + images + ": the bundled test subset has " + test.count() + " images");
    }
    Path work = Files.createTempDirectory("qcc-bench-sim");
    List<Row> rows = new ArrayList<>();
    try {
      for (String model : models) {
        progress.accept("quantizing and compiling the bundled " + model);
        Graph g = Models.load(Models.bundled(model));
        PassManager.build(PassRegistry.standard(), "canonicalize," + passes + ",calibrate").run(g, calibration);
        Path dir = work.resolve(model);
        RtlCompiler.write(g, dir, model, fold, fold, 0, perImage -> test.batch(0, images).data());
        ChainCosimulation.Report v = ChainCosimulation.run(dir, 0, null, progress);
        Dataflow d = Manifest.read(dir).dataflow(dir);
        progress.accept("timing the cycle-level model on " + model);
        BenchTiming t = BenchTiming.measure(seconds, () -> CycleSimulator.run(d, images, false));
        rows.add(new Row(model, images, v.cycles(), v.model().cycles(), v.latency(), v.model().latency(), v.buildSeconds(), v.simSeconds(), t.medianMs()));
      }
    } finally {
      Folders.delete(work);
    }
    print(spec.commandLine().getOut(), rows);
    return rows.stream().allMatch(Row::agree) ? Qcc.OK : Qcc.CHECK_FAILED;
  }

  private void print(PrintWriter out, List<Row> rows) {
    if (common.json) {
      List<Map<String, Object>> list = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", r.model());
        o.put("images", r.images());
        o.put("verilator_cycles", r.cycles());
        o.put("model_cycles", r.modelCycles());
        o.put("verilator_latency", r.latency());
        o.put("model_latency", r.modelLatency());
        o.put("agree", r.agree());
        o.put("verilator_build_seconds", r.buildSeconds());
        o.put("verilator_sim_seconds", r.simSeconds());
        o.put("model_ms", r.modelMs());
        o.put("speedup", r.speedup());
        o.put("speedup_with_build", r.speedupWithBuild());
        list.add(o);
      }
      Json.print(out, Map.of("passes", passes, "fold", fold, "results", list));
      return;
    }
    out.printf("cycle-level model vs Verilator, %s, folded by %d%n", passes, fold);
    out.printf("%-6s %6s %12s %12s %7s %10s %10s %10s %9s %11s%n", "model", "images", "cycles", "model", "agree", "build s", "verilator s", "model ms", "speed-up", "with build");
    for (Row r : rows) {
      out.printf("%-6s %6d %12d %12d %7s %10.1f %10.2f %10.2f %8.0fx %10.0fx%n", r.model(), r.images(), r.cycles(), r.modelCycles(), r.agree() ? "yes" : "NO", r.buildSeconds(), r.simSeconds(), r.modelMs(), r.speedup(), r.speedupWithBuild());
    }
  }
}
