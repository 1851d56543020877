// qcc eval: top-1 accuracy on a dataset.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "eval",
    description = {
      "Top-1 accuracy of a classifier on Fashion-MNIST: the full 10,000 test images when Debian's",
      "dataset-fashion-mnist is installed, else the bundled 1,000-image subset."
    },
    footer = {"%nExamples:", "  qcc eval models/fashion_cnn.onnx --dataset fashion-mnist", "  qcc eval models/fashion_mlp.onnx --limit 500 --json",
      "  qcc eval cnn_int8.qir --backend llvm"})
final class EvalCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir classifier.")
  Path model;

  @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Dataset (fashion-mnist).")
  String dataset;

  @Option(names = "--limit", defaultValue = "0", description = "Evaluate only the first N images (0: all).")
  int limit;

  @Option(names = "--batch", defaultValue = "100", description = "Images per interpreter run.")
  int batch;

  @Option(names = "--data-dir", description = "Directory with t10k-*-ubyte.gz files (default: Debian's, else the bundled subset).")
  Path dataDir;

  @Option(names = "--backend", defaultValue = "interp", description = "Execution backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Backend backend;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!dataset.equals("fashion-mnist")) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown dataset '" + dataset + "' (known: fashion-mnist)");
    }
    if (batch < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1");
    }
    Graph g = Models.load(model);
    FashionMnist data = dataDir != null ? FashionMnist.load(dataDir) : FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    TopOne.Result r = Accuracy.evaluate(g, backend, data, limit, batch, quiet || common.json ? null : spec.commandLine().getErr());
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", model.toString());
      o.put("dataset", r.dataset());
      o.put("images", r.total());
      o.put("correct", r.correct());
      o.put("top1", r.top1());
      o.put("seconds", r.seconds());
      Json.print(spec.commandLine().getOut(), o);
    } else {
      spec.commandLine().getOut().printf("%s: top-1 %.2f%% (%d/%d images from %s) in %.1f s%n",
          model, 100 * r.top1(), r.correct(), r.total(), r.dataset(), r.seconds());
    }
    return Qcc.OK;
  }
}
