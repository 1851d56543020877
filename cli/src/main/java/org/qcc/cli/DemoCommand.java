// qcc demo: the end-to-end tour on the bundled model.
package org.qcc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    description = {
      "Import the bundled Fashion-MNIST CNN, print its summary and evaluate it; then quantize it a few ways",
      "(integer, minifloat, MX, 2:4 sparse; activations calibrated on training images) and evaluate each."
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
    Accuracy.Result r = Accuracy.evaluate(g, data, limit, 100, common.json ? null : spec.commandLine().getErr());
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
    DatasetCalibration calibration = new DatasetCalibration("fashion-mnist");
    List<Map<String, Object>> configs = new ArrayList<>();
    for (String[] c : CONFIGS) {
      Graph q = Models.load(file);
      PassManager.build(PassRegistry.standard(), c[1]).run(q, calibration);
      Accuracy.Result qr = Accuracy.evaluate(q, data, limit, 100, null);
      configs.add(Map.of("config", c[0], "pipeline", c[1], "top1", qr.top1(), "seconds", qr.seconds()));
      if (!common.json) {
        out.printf("   %-58s top-1 %.2f%%  (%s)%n", c[0], 100 * qr.top1(), c[1]);
        out.flush();
      }
    }
    if (common.json) {
      var o = summary.toJson();
      o.put("images", r.total());
      o.put("top1", r.top1());
      o.put("pytorch_top1", torch);
      o.set("quantized", Json.MAPPER.valueToTree(configs));
      Json.print(out, o);
    }
    return Qcc.OK;
  }
}
