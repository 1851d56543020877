// qcc demo: the end-to-end tour on the bundled model.
package org.qcc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "demo",
    description = "Import the bundled Fashion-MNIST CNN, print its summary and evaluate it.",
    footer = {"%nExamples:", "  qcc demo", "  qcc demo --limit 200"})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", description = "Bundled model: cnn, mlp or vit (default: cnn).", defaultValue = "cnn")
  String model;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N images (0: all).")
  int limit;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path home = Models.home();
    Path file = home.resolve("models/fashion_" + model + ".onnx");
    if (!Files.isRegularFile(file)) {
      throw new org.qcc.ir.DiagnosticException(file.toString(), "bundled model '" + model + "' not found (cnn, mlp, vit)");
    }
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
    if (common.json) {
      var o = summary.toJson();
      o.put("images", r.total());
      o.put("top1", r.top1());
      o.put("pytorch_top1", torch);
      Json.print(out, o);
    } else {
      out.printf("   qcc interpreter top-1: %.2f%% (%d/%d) in %.1f s%n", 100 * r.top1(), r.correct(), r.total(), r.seconds());
      if (limit == 0) {
        out.printf("   PyTorch fp32 top-1 on the same images: %.2f%%%n", 100 * torch);
      }
    }
    return Qcc.OK;
  }
}
