// qcc demo: the end-to-end tour on the bundled model.
package org.qcc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.backends.BackendException;
import org.qcc.backends.rtl.IceBreaker;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.backends.rtl.WeightPlacement;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.cost.CostModel;
import org.qcc.simulator.cost.EnergyModel;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.testbenches.ChainCosimulation;
import org.qcc.testbenches.Synthesis;
import org.qcc.testbenches.Verilator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    description = {
      "The end-to-end tour on a bundled model: import it, print its summary and evaluate it; quantize it a few",
      "ways (integer, minifloat, MX, 2:4 sparse; activations calibrated on training images) and evaluate each;",
      "compile the int8 one to native code with LLVM and check it bit for bit against the interpreter;",
      "compile --hw-model (the tiny MLP, int4 with learned rounding, which fits the iCEBreaker's UP5K) to a",
      "dataflow accelerator and run its schedule in the cycle-level model; co-simulate that on Verilator",
      "and synthesize it with yosys for the UP5K when they are installed (else say how to install them);",
      "explore examples/space.yaml on the model and write the report. Everything it writes goes to --out."
    },
    footer = {"%nExamples:", "  qcc demo", "  qcc demo --model mlp --limit 1000 --out /tmp/demo"})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Bundled model: cnn, mlp or vit (default: cnn).", defaultValue = "cnn")
  String model;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N images (0: all).")
  int limit;

  @Option(names = "--hw-model", defaultValue = "tiny", description = "Bundled model the accelerator steps build (default: ${DEFAULT-VALUE}; yosys needs tens of minutes for the mlp and more memory than most machines have for the cnn).")
  String hwModel;

  @Option(names = "--out", defaultValue = "qcc-demo", paramLabel = "DIR", description = "Where the accelerator, the results database and the report go (default: ${DEFAULT-VALUE}); a rerun reuses its explored points.")
  Path out;

  /** The configurations step 3 shows: the same pipelines `qcc opt -p` takes. */
  private static final List<String[]> CONFIGS =
      List.of(
          new String[] {"int8 weights and activations", "canonicalize,quantize{weights=int8,acts=int8},calibrate"},
          new String[] {"int4 weights, uint8 activations", "canonicalize,quantize{weights=int4,acts=uint8},calibrate"},
          new String[] {"fp4 E2M1 weights per group of 16, fp8 E4M3 activations", "canonicalize,quantize{weights=fp4_e2m1,acts=e4m3fn,granularity=group,group-size=16},calibrate"},
          new String[] {"MXFP4 weights and activations", "canonicalize,quantize{weights=mxfp4_e2m1,acts=mxfp4_e2m1}"},
          new String[] {"2:4 sparse, int8 weights and activations", "canonicalize,sparsify{n=2,m=4},quantize{weights=int8,acts=int8},calibrate"});

  /** The accelerator: 4-bit weights and activations, learned rounding recovering most of int4's loss. */
  private static final String HW_PIPELINE = "canonicalize,quantize{weights=int4,acts=int4},calibrate,learned-round";

  /**
   * Its folding: one output at a time, as the UP5K's LUTs require, and fc1 four inputs a cycle, so
   * its weight lines are 16 bits, one single-port RAM's width, where the design loads them.
   */
  private static final int PE = 1;

  private static final int SIMD = 4;

  /** Images Verilator streams through the accelerator. */
  private static final int COSIM_IMAGES = 4;

  /** The device the explore step budgets for. */
  private static final String DEVICE = "xc7a100t";

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private int step;

  private PrintWriter text;

  /** Starts the next numbered step (in text mode). */
  private void step(String title) {
    if (text != null) {
      text.println();
      text.println("== " + ++step + ". " + title);
      text.flush();
    }
  }

  private void say(String format, Object... args) {
    if (text != null) {
      text.printf("   " + format + "%n", args);
      text.flush();
    }
  }

  @Override
  public Integer call() throws Exception {
    Path home = Models.home();
    Path file = Models.bundled(model);
    PrintWriter stdout = spec.commandLine().getOut();
    text = common.json ? null : stdout;
    PrintWriter progress = common.json ? null : spec.commandLine().getErr();
    Graph g = Models.load(file);
    ModelSummary summary = ModelSummary.of(g);
    FashionMnist data = FashionMnist.locate(home.resolve("data/fashion-mnist-subset"));
    step("import " + home.relativize(file));
    if (text != null) {
      text.print(summary.render());
    }
    step("evaluate with the golden interpreter on " + (limit > 0 ? Math.min(limit, data.count()) : data.count()) + " test images from " + data.dir());
    TopOne.Result r = Accuracy.evaluate(g, data, limit, 100, progress);
    JsonNode ref = Json.MAPPER.readTree(home.resolve("models/accuracy.json").toFile()).path(model);
    boolean full = data.count() >= 10000 && limit == 0;
    double torch = ref.path(full ? "test_top1" : "subset_top1").asDouble(Double.NaN);
    say("qcc interpreter top-1: %.2f%% (%d/%d) in %.1f s", 100 * r.top1(), r.correct(), r.total(), r.seconds());
    if (limit == 0) {
      say("PyTorch fp32 top-1 on the same images: %.2f%%", 100 * torch);
    }
    step("quantize (qcc opt -p PIPELINE) and evaluate again");
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    List<Map<String, Object>> configs = new ArrayList<>();
    Graph int8 = null;
    TopOne.Result int8Result = null;
    for (String[] c : CONFIGS) {
      Graph q = Models.load(file);
      PassManager.build(PassRegistry.standard(), c[1]).run(q, calibration);
      TopOne.Result qr = Accuracy.evaluate(q, data, limit, 100, null);
      configs.add(Map.of("config", c[0], "pipeline", c[1], "top1", qr.top1(), "seconds", qr.seconds()));
      say("%-58s top-1 %.2f%%  (%s)", c[0], 100 * qr.top1(), c[1]);
      if (int8 == null) {
        int8 = q;
        int8Result = qr;
      }
    }
    Files.createDirectories(out);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("llvm", llvm(int8, int8Result, data));
    Path hw = out.resolve("hw");
    Map<String, Object> hardware = hardware(data, hw, calibration);
    o.put("hardware", hardware);
    boolean built = !hardware.containsKey("skipped");
    o.put("verilator", built ? verilator(hw) : Map.of("skipped", "no accelerator"));
    o.put("yosys", built ? yosys(hw) : Map.of("skipped", "no accelerator"));
    o.put("explore", explore(file, progress));
    if (common.json) {
      var json = summary.toJson();
      json.put("images", r.total());
      json.put("top1", r.top1());
      json.put("pytorch_top1", torch);
      json.set("quantized", Json.MAPPER.valueToTree(configs));
      o.forEach((k, v) -> json.set(k, Json.MAPPER.valueToTree(v)));
      Json.print(stdout, json);
    }
    return Qcc.OK;
  }

  /** The int8 model JIT-compiled by LLVM: its top-1 and speed, and its logits against the interpreter's. */
  private Map<String, Object> llvm(Graph q, TopOne.Result interp, FashionMnist data) {
    step("compile the int8 model to native code with LLVM (qcc eval --backend llvm) and check it against the interpreter");
    Map<String, Object> o = new LinkedHashMap<>();
    TopOne.Result jit = Accuracy.evaluate(q, Backend.llvm, data, limit, 100, null);
    int compared = Math.min(500, jit.total());
    boolean same;
    try (Backend.Runner a = Backend.interp.open(q); Backend.Runner b = Backend.llvm.open(q)) {
      List<Tensor> in = List.of(data.batch(0, compared));
      same = Tensors.sameBits(((FloatTensor) a.run(in).get(0)).data(), ((FloatTensor) b.run(in).get(0)).data());
    }
    o.put("top1", jit.top1());
    o.put("images_per_second", jit.total() / jit.seconds());
    o.put("interpreter_images_per_second", interp.total() / interp.seconds());
    o.put("bit_identical_images", same ? compared : 0);
    say("top-1 %.2f%% on %d images at %,.0f images/s (the interpreter: %,.0f images/s)", 100 * jit.top1(), jit.total(), jit.total() / jit.seconds(), interp.total() / interp.seconds());
    say(same ? "logits of the first %d images bit-identical to the interpreter's" : "MISMATCH: logits of the first %d images differ from the interpreter's", compared);
    return o;
  }

  /**
   * --hw-model under {@link #HW_PIPELINE} compiled to a dataflow accelerator in {@code hw} and run
   * through the cycle-level model: its pace, latency, bottleneck, energy and resource estimates; or
   * why the model cannot be one.
   */
  private Map<String, Object> hardware(FashionMnist data, Path hw, DatasetCalibration calibration) {
    Path file = Models.bundled(hwModel);
    step("compile " + Models.home().relativize(file) + " with int4 weights and activations (qcc opt -p " + HW_PIPELINE + ") to a dataflow accelerator (qcc compile --target rtl --pe " + PE + " --simd " + SIMD + " -o " + hw + ") and run its schedule (qcc sim)");
    Graph q = Models.load(file);
    PassManager.build(PassRegistry.standard(), HW_PIPELINE).run(q, calibration);
    TopOne.Result accuracy = Accuracy.evaluate(q, data, limit, 100, null);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("model", hwModel);
    o.put("pipeline", HW_PIPELINE);
    o.put("top1", accuracy.top1());
    say("top-1 %.2f%% on %d images", 100 * accuracy.top1(), accuracy.total());
    try {
      RtlCompiler.Result compiled = RtlCompiler.write(q, hw, hwModel, PE, SIMD, 0, IceBreaker.DEFAULT_BAUD, WeightPlacement.UP5K_SPRAMS, perImage -> data.batch(0, COSIM_IMAGES).data());
      Dataflow d = compiled.plan().dataflow();
      CycleSimulator.Run run = CycleSimulator.run(d, 100, false);
      EnergyModel.Estimate energy = EnergyModel.perImage(d);
      CostModel.Estimate resources = CostModel.shipped("up5k").estimate(d);
      double imagesPerSecond = run.imagesPerSecond(100);
      o.put("design", hw.toString());
      o.put("layers", d.stages().size());
      o.put("cycles_per_image", run.cyclesPerImage());
      o.put("latency_cycles", run.latency());
      o.put("images_per_second_at_100mhz", imagesPerSecond);
      o.put("bottleneck", run.bottleneck().name());
      o.put("energy_estimate_nj", energy.total() / 1e3);
      o.put("up5k_resources_estimate", resources.total());
      say("%d layers, %.0f cycles per image: %.0f images/s at 100 MHz, latency %.1f us; %s sets the pace", d.stages().size(), run.cyclesPerImage(), imagesPerSecond, run.latency() / 100.0, run.bottleneck().name());
      say("energy, estimated from operation and memory-access counts at 45 nm: %.0f nJ per image", energy.total() / 1e3);
      Map<String, Long> t = resources.total();
      String loaded = compiled.loadedLayers().isEmpty() ? "" : " (" + String.join(", ", compiled.loadedLayers()) + ": weights loaded at start-up)";
      say("resources on the UP5K, estimated by the calibrated cost model: %,d LUT4s, %,d flip-flops, %,d 4 Kb block RAMs, %,d DSPs, %,d single-port RAMs%s",
          t.getOrDefault("lut4", 0L), t.getOrDefault("ff", 0L), t.getOrDefault("bram", 0L), t.getOrDefault("dsp", 0L), t.getOrDefault("spram", 0L), loaded);
    } catch (BackendException e) {
      o.put("skipped", e.getMessage());
      say("skipped: %s", e.getMessage());
    }
    return o;
  }

  private Map<String, Object> verilator(Path hw) {
    step("co-simulate the accelerator on Verilator against the golden interpreter (qcc sim --verilator " + hw + ")");
    if (!Verilator.available()) {
      return skipped("verilator");
    }
    ChainCosimulation.Report r = ChainCosimulation.run(hw, COSIM_IMAGES, null, s -> say("%s...", s));
    say("%s on %d images; %.0f cycles per image, latency %d cycles (%s); built in %.0f s", r.bitExact() ? "all " + r.outputs() + " outputs bit-exact" : "MISMATCH in " + r.mismatchCount() + " of " + r.outputs() + " outputs",
        r.images(), r.cyclesPerImage(), r.latency(), r.modelAgrees() ? "the cycle-level model's counts" : "the cycle-level model DIFFERS", r.buildSeconds());
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("images", r.images());
    o.put("bit_exact", r.bitExact());
    o.put("cycle_model_agrees", r.modelAgrees());
    o.put("build_seconds", r.buildSeconds());
    return o;
  }

  private Map<String, Object> yosys(Path hw) {
    step("synthesize it with yosys for the iCEBreaker's iCE40 UP5K (qcc synth " + hw + " --device up5k)");
    if (!Synthesis.available()) {
      return skipped("yosys");
    }
    Synthesis.Report r = Synthesis.run(hw, Synthesis.Device.up5k, s -> say("%s...", s));
    Map<String, Long> t = r.total();
    say("%,d LUT4s, %,d flip-flops, %,d DSPs, %,d block RAMs, %,d single-port RAMs in %.0f s: %s the UP5K (report: %s)", t.getOrDefault("lut4", 0L), t.getOrDefault("ff", 0L), t.getOrDefault("dsp", 0L), t.getOrDefault("bram", 0L), t.getOrDefault("spram", 0L), r.seconds(), r.fits() ? "fits" : "does NOT fit", r.file());
    say("next: qcc synth %s --device up5k --bitstream (nextpnr-ice40 and icepack) for the board", hw);
    Map<String, Object> o = new LinkedHashMap<>(t);
    o.put("fits", r.fits());
    o.put("seconds", r.seconds());
    return o;
  }

  private Map<String, Object> skipped(String tool) {
    String why = tool + " is not installed; ./test.sh (or apt-get install " + tool + ") installs it";
    say("skipped: %s", why);
    return Map.of("skipped", why);
  }

  /** A small space explored into --out's database, and its report. */
  private Map<String, Object> explore(Path file, PrintWriter progress) throws Exception {
    Path space = Models.home().resolve("examples/space.yaml");
    Path db = out.resolve("results.db");
    Path report = out.resolve("report.html");
    step("explore a design space (qcc explore " + Models.home().relativize(file) + " --space " + Models.home().relativize(space) + " --device " + DEVICE + " --db " + db + ")");
    List<String> args = new ArrayList<>(List.of("explore", file.toString(), "--space", space.toString(), "--device", DEVICE, "--db", db.toString(), "--json"));
    StringWriter json = new StringWriter();
    int rc = Qcc.execute(args.toArray(String[]::new), new PrintWriter(json), progress == null ? new PrintWriter(Writer.nullWriter()) : progress);
    if (rc != Qcc.OK) {
      throw new IllegalStateException("qcc explore failed in the demo (exit " + rc + ")");
    }
    JsonNode e = Json.MAPPER.readTree(json.toString());
    for (JsonNode p : e.get("front")) {
      say("front: top-1 %.2f%%, %,d LUTs, %,.0f images/s: %s (%s)", 100 * p.get("top1").asDouble(), p.get("luts").asLong(), p.get("images_per_second").asDouble(), p.get("label").asText(), p.get("family").asText());
    }
    Qcc.execute(new String[] {"report", db.toString(), "-o", report.toString()}, new PrintWriter(Writer.nullWriter()), progress == null ? new PrintWriter(Writer.nullWriter()) : progress);
    step("report: " + report.toAbsolutePath());
    say("%d points, %d on the Pareto front of top-1, LUTs and throughput; open it in a browser", e.get("points").asInt(), e.get("front").size());
    return Map.of("db", db.toString(), "points", e.get("points").asInt(), "front", e.get("front").size(), "report", report.toString());
  }
}
