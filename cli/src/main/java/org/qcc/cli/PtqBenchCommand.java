// qcc bench ptq: how long each post-training quantization pass takes on the bundled models.
package org.qcc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.explore.DatasetCalibration;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "ptq",
    description = {
      "Wall time of each PTQ pass (equalize, smoothquant, bias-correct, gptq, learned-round) on the bundled models,",
      "after canonicalize and int4 weight quantization, with N calibration images; and the top-1 it reaches on 1,000 test images."
    },
    footer = {"%nExamples:", "  qcc bench ptq", "  qcc bench ptq --model cnn --images 512 --json"})
final class PtqBenchCommand implements Callable<Integer> {
  @Option(names = "--model", split = ",", defaultValue = "cnn", description = "Bundled models (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--images", defaultValue = "512", description = "Calibration images per pass (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(names = "--weights", defaultValue = "int4", description = "Weight format (default: ${DEFAULT-VALUE}).")
  String weights;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    String base = "canonicalize,quantize{weights=" + weights + "}";
    List<String[]> passes =
        List.of(
            new String[] {"none (round to nearest)", base},
            new String[] {"equalize", "canonicalize,equalize,quantize{weights=" + weights + "}"},
            new String[] {"smoothquant", "canonicalize,smoothquant{images=" + images + "},quantize{weights=" + weights + "}"},
            new String[] {"bias-correct", base + ",bias-correct{images=" + images + "}"},
            new String[] {"gptq", base + ",gptq{images=" + images + "}"},
            new String[] {"learned-round", base + ",learned-round{images=" + images + "}"});
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    var test = org.qcc.frontend.data.FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    PrintWriter out = spec.commandLine().getOut();
    List<Map<String, Object>> rows = new ArrayList<>();
    if (!common.json) {
      out.printf("%-6s %-26s %10s %8s%n", "model", "technique", "seconds", "top-1");
    }
    for (String model : models) {
      for (String[] p : passes) {
        Graph g = Models.load(Models.bundled(model));
        long start = System.nanoTime();
        PassManager.build(PassRegistry.standard(), p[1]).run(g, calibration);
        double seconds = (System.nanoTime() - start) / 1e9;
        double top1 = Accuracy.evaluate(g, test, 1000, 100, null).top1();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("model", model);
        row.put("technique", p[0]);
        row.put("pipeline", p[1]);
        row.put("seconds", seconds);
        row.put("top1", top1);
        rows.add(row);
        if (!common.json) {
          out.printf("%-6s %-26s %10.2f %7.2f%%%n", model, p[0], seconds, 100 * top1);
          out.flush();
        }
      }
    }
    if (common.json) {
      Json.print(out, Map.of("images", images, "weights", weights, "rows", rows));
    }
    return Qcc.OK;
  }
}
