// qcc demo: the end-to-end tour on the bundled model.
package org.qcc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.backends.BackendException;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.cost.CostModel;
import org.qcc.simulator.cost.EnergyModel;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.testbenches.Folders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    description = {
      "Import the bundled Fashion-MNIST CNN, print its summary and evaluate it; then quantize it a few ways",
      "(integer, minifloat, MX, 2:4 sparse; activations calibrated on training images) and evaluate each;",
      "then compile the int8 one to a dataflow accelerator and run its schedule in the cycle-level model."
    },
    footer = {"%nExamples:", "  qcc demo", "  qcc demo --limit 200"})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Bundled model: cnn, mlp or vit (default: cnn).", defaultValue = "cnn")
  String model;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N images (0: all).")
  int limit;

  /** The configurations step 3 shows: the same pipelines `qcc opt -p` takes. */
  private static final List<String[]> CONFIGS =
      List.of(
          new String[] {"int8 weights and activations", "canonicalize,quantize{weights=int8,acts=int8},calibrate"},
          new String[] {"int4 weights, uint8 activations", "canonicalize,quantize{weights=int4,acts=uint8},calibrate"},
          new String[] {"fp4 E2M1 weights per group of 16, fp8 E4M3 activations", "canonicalize,quantize{weights=fp4_e2m1,acts=e4m3fn,granularity=group,group-size=16},calibrate"},
          new String[] {"MXFP4 weights and activations", "canonicalize,quantize{weights=mxfp4_e2m1,acts=mxfp4_e2m1}"},
          new String[] {"2:4 sparse, int8 weights and activations", "canonicalize,sparsify{n=2,m=4},quantize{weights=int8,acts=int8},calibrate"});

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path home = Models.home();
    Path file = Models.bundled(model);
    PrintWriter out = spec.commandLine().getOut();
    Graph g = Models.load(file);
    ModelSummary summary = ModelSummary.of(g);
    FashionMnist data = FashionMnist.locate(home.resolve("data/fashion-mnist-subset"));
    if (!common.json) {
      out.println("== 1. import " + home.relativize(file));
      out.print(summary.render());
      out.println();
      out.println("== 2. evaluate with the golden interpreter on " + data.count() + " test images from " + data.dir());
      out.flush();
    }
    TopOne.Result r = Accuracy.evaluate(g, data, limit, 100, common.json ? null : spec.commandLine().getErr());
    JsonNode ref = Json.MAPPER.readTree(home.resolve("models/accuracy.json").toFile()).path(model);
    boolean full = data.count() >= 10000 && limit == 0;
    double torch = ref.path(full ? "test_top1" : "subset_top1").asDouble(Double.NaN);
    if (!common.json) {
      out.printf("   qcc interpreter top-1: %.2f%% (%d/%d) in %.1f s%n", 100 * r.top1(), r.correct(), r.total(), r.seconds());
      if (limit == 0) {
        out.printf("   PyTorch fp32 top-1 on the same images: %.2f%%%n", 100 * torch);
      }
      out.println();
      out.println("== 3. quantize (qcc opt -p PIPELINE) and evaluate again");
      out.flush();
    }
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    List<Map<String, Object>> configs = new ArrayList<>();
    for (String[] c : CONFIGS) {
      Graph q = Models.load(file);
      PassManager.build(PassRegistry.standard(), c[1]).run(q, calibration);
      TopOne.Result qr = Accuracy.evaluate(q, data, limit, 100, null);
      configs.add(Map.of("config", c[0], "pipeline", c[1], "top1", qr.top1(), "seconds", qr.seconds()));
      if (!common.json) {
        out.printf("   %-58s top-1 %.2f%%  (%s)%n", c[0], 100 * qr.top1(), c[1]);
        out.flush();
      }
    }
    Map<String, Object> hardware = hardware(file, calibration, data, out);
    if (common.json) {
      var o = summary.toJson();
      o.put("images", r.total());
      o.put("top1", r.top1());
      o.put("pytorch_top1", torch);
      o.set("quantized", Json.MAPPER.valueToTree(configs));
      o.set("hardware", Json.MAPPER.valueToTree(hardware));
      Json.print(out, o);
    }
    return Qcc.OK;
  }

  /**
   * Step 4: the first configuration compiled to a dataflow accelerator (in a folder deleted
   * afterwards) and run through the cycle-level model: its pace, latency, bottleneck, energy
   * estimate and 7-series resource estimate; or why the model cannot be one.
   */
  private Map<String, Object> hardware(Path file, DatasetCalibration calibration, FashionMnist data, PrintWriter out) throws IOException {
    String[] config = CONFIGS.get(0);
    if (!common.json) {
      out.println();
      out.println("== 4. compile the " + config[0] + " model to a dataflow accelerator (qcc compile --target rtl --pe 16 --simd 16) and run its schedule (qcc sim)");
      out.flush();
    }
    Graph q = Models.load(file);
    PassManager.build(PassRegistry.standard(), config[1]).run(q, calibration);
    Path work = Files.createTempDirectory("qcc-demo");
    Map<String, Object> o = new LinkedHashMap<>();
    try {
      RtlCompiler.Result compiled = RtlCompiler.write(q, work.resolve("hw"), model, 16, 16, 0, perImage -> data.batch(0, 10).data());
      Dataflow d = compiled.plan().dataflow();
      CycleSimulator.Run run = CycleSimulator.run(d, 100, false);
      EnergyModel.Estimate energy = EnergyModel.perImage(d);
      CostModel.Estimate resources = CostModel.shipped("xc7").estimate(d);
      double imagesPerSecond = run.imagesPerSecond(100);
      o.put("layers", d.stages().size());
      o.put("cycles_per_image", run.cyclesPerImage());
      o.put("latency_cycles", run.latency());
      o.put("images_per_second_at_100mhz", imagesPerSecond);
      o.put("bottleneck", run.bottleneck().name());
      o.put("energy_estimate_nj", energy.total() / 1e3);
      o.put("xc7_resources_estimate", resources.total());
      if (!common.json) {
        out.printf("   %d layers, %.0f cycles per image: %.0f images/s at 100 MHz, latency %.1f us; %s sets the pace%n", d.stages().size(), run.cyclesPerImage(), imagesPerSecond, run.latency() / 100.0, run.bottleneck().name());
        out.printf("   energy, estimated from operation and memory-access counts at 45 nm: %.0f nJ per image%n", energy.total() / 1e3);
        Map<String, Long> r = resources.total();
        out.printf("   resources on a 7-series FPGA, estimated by the calibrated cost model: %,d LUTs, %,d flip-flops, %,d DSPs, %,d 18 Kb block RAMs%s%n",
            r.getOrDefault("lut", 0L), r.getOrDefault("ff", 0L), r.getOrDefault("dsp", 0L), r.getOrDefault("bram", 0L), resources.notCounted().isEmpty() ? "" : " (float paths not counted)");
        out.println("   next: qcc compile MODEL.qir --target rtl -o hw/, then qcc sim --verilator hw/ (bit-exact against the interpreter) and qcc synth hw/ --device xc7");
      }
    } catch (BackendException e) {
      o.put("skipped", e.getMessage());
      if (!common.json) {
        out.println("   skipped: " + e.getMessage());
      }
    } finally {
      Folders.delete(work);
    }
    return o;
  }
}
