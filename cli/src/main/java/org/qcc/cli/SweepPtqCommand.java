// qcc sweep-ptq: each PTQ technique alone and combined, integers vs the best minifloat, on the bundled models.
package org.qcc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "sweep-ptq",
    description = {
      "Top-1 accuracy of the bundled models with each post-training quantization technique (equalize, smoothquant,",
      "bias-correct, gptq, learned-round) alone and in the best combination, at each weight and activation width, for",
      "integers and for the best minifloat of each width (chosen by a first stage over every exponent/mantissa split).",
      "Writes results.json (kept after every point: an interrupted sweep resumes) and ptq.md."
    },
    footer = {"%nExamples:", "  qcc sweep-ptq --out results/ptq", "  qcc sweep-ptq --models cnn --weight-bits 4 --act-bits 8 --limit 500"})
final class SweepPtqCommand implements Callable<Integer> {
  @Option(names = "--models", split = ",", defaultValue = "mlp,cnn,vit", description = "Bundled models (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--weight-bits", split = ",", defaultValue = "3,4,6,8", description = "Weight widths (default: ${DEFAULT-VALUE}).")
  List<Integer> weightBits;

  @Option(names = "--act-bits", split = ",", defaultValue = "8,4", description = "Activation widths (default: ${DEFAULT-VALUE}).")
  List<Integer> actBits;

  @Option(names = "--limit", defaultValue = "2000", description = "Test images per point, 0 for the whole test set (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--calibration-images", defaultValue = "256", description = "Training images for activation calibration (default: ${DEFAULT-VALUE}).")
  int calibrationImages;

  @Option(names = "--technique-images", defaultValue = "256", description = "Training images each technique reads (default: ${DEFAULT-VALUE}).")
  int techniqueImages;

  @Option(names = "--out", defaultValue = "results/ptq", description = "Directory for results.json and ptq.md (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private final Map<String, PtqSweep.Result> results = new LinkedHashMap<>();
  private final Set<String> wanted = new LinkedHashSet<>();
  private final Map<String, Object> meta = new LinkedHashMap<>();
  private Map<String, Path> files;
  private FashionMnist test;
  private DatasetCalibration calibration;
  private Path json;
  private int images;
  private int computed;

  @Override
  public Integer call() throws Exception {
    check(weightBits, "--weight-bits");
    check(actBits, "--act-bits");
    if (calibrationImages < 1 || techniqueImages < 1) {
      throw new ParameterException(spec.commandLine(), "--calibration-images and --technique-images must be positive");
    }
    files = new LinkedHashMap<>();
    models.forEach(m -> files.put(m, Models.bundled(m)));
    test = FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    images = limit > 0 ? Math.min(limit, test.count()) : test.count();
    calibration = Models.calibration("fashion-mnist");
    json = out.resolve("results.json");
    ResultsFile.load(json, PtqSweep.Result.class).forEach(r -> results.put(key(r.model(), r.pipeline()), r));
    PtqSweep.Settings s = new PtqSweep.Settings(calibrationImages, techniqueImages);
    meta.put("dataset", test.dir() + " (test split), " + images + " images per point");
    meta.put("calibration", calibrationImages + " training images (calibrate method mse); each technique reads " + techniqueImages);
    meta.put("status", "in progress");
    long start = System.nanoTime();

    List<String[]> selection = new ArrayList<>();
    for (String m : models) {
      selection.add(new String[] {m, "canonicalize"});
      for (int b : weightBits) {
        PtqSweep.minifloats(b).forEach(f -> selection.add(new String[] {m, PtqSweep.weightsOnly(s, f)}));
      }
      for (int b : actBits) {
        PtqSweep.minifloats(b).forEach(f -> selection.add(new String[] {m, PtqSweep.actsOnly(s, f)}));
      }
    }
    runStage("1/3 minifloat selection", selection, s);

    Map<String, List<PtqSweep.Row>> rows = new LinkedHashMap<>();
    List<String[]> singles = new ArrayList<>();
    for (String m : models) {
      List<PtqSweep.Row> modelRows = new ArrayList<>();
      for (int w : weightBits) {
        for (int a : actBits) {
          modelRows.add(new PtqSweep.Row(m, w, a, "int", "int" + w, "int" + a));
          String bestW = PtqSweep.bestMinifloat(w, f -> PtqSweep.weightsOnly(s, f), p -> top1(m, p));
          String bestA = PtqSweep.bestMinifloat(a, f -> PtqSweep.actsOnly(s, f), p -> top1(m, p));
          modelRows.add(new PtqSweep.Row(m, w, a, "minifloat", bestW, bestA));
        }
      }
      rows.put(m, modelRows);
      for (PtqSweep.Row r : modelRows) {
        PtqSweep.TECHNIQUES.forEach(t -> singles.add(new String[] {m, s.technique(r.weights(), r.acts(), t)}));
      }
    }
    runStage("2/3 techniques", singles, s);

    List<String[]> combinations = new ArrayList<>();
    rows.forEach((m, modelRows) -> modelRows.forEach(r -> s.combination(r.weights(), r.acts(), t -> top1(m, s.technique(r.weights(), r.acts(), t))).ifPresent(p -> combinations.add(new String[] {m, p}))));
    runStage("3/3 combinations", combinations, s);

    // Points an earlier version of the sweep asked for (for the models swept now) are not in the table: drop them.
    results.entrySet().removeIf(e -> files.containsKey(e.getValue().model()) && !wanted.contains(e.getKey()));
    double seconds = results.values().stream().mapToDouble(PtqSweep.Result::seconds).sum();
    meta.put("run time", String.format("%.0f s of evaluation over %d points (%d computed in this run, %.0f s wall)", seconds, results.size(), computed, (System.nanoTime() - start) / 1e9));
    meta.put("status", "finished " + Instant.now());
    save(rows, s);
    ResultsFile.printSummary(spec.commandLine(), common.json, json, out.resolve("ptq.md"), results.size(), computed);
    return Qcc.OK;
  }

  private void runStage(String stage, List<String[]> points, PtqSweep.Settings s) throws IOException {
    Set<String> distinct = new LinkedHashSet<>();
    points.forEach(p -> distinct.add(key(p[0], p[1])));
    wanted.addAll(distinct);
    int done = 0;
    PrintWriter err = quiet || common.json ? null : spec.commandLine().getErr();
    for (String[] p : points) {
      String key = key(p[0], p[1]);
      if (!distinct.remove(key)) {
        continue;
      }
      done++;
      PtqSweep.Result prior = results.get(key);
      if (prior != null && prior.images() == images) {
        continue;
      }
      long start = System.nanoTime();
      Graph g = Models.load(files.get(p[0]));
      PassManager.build(PassRegistry.standard(), p[1]).run(g, calibration);
      TopOne.Result a = Accuracy.evaluate(g, test, images, 100, null);
      PtqSweep.Result r = new PtqSweep.Result(p[0], p[1], a.total(), a.correct(), a.top1(), (System.nanoTime() - start) / 1e9);
      results.put(key, r);
      computed++;
      save(null, s);
      if (err != null) {
        err.printf("[stage %s: %d/%d] %s %s: top-1 %.2f%% (%.1f s)%n", stage, done, done + distinct.size(), p[0], p[1], 100 * r.top1(), r.seconds());
        err.flush();
      }
    }
  }

  /** Writes results.json, and ptq.md once the rows are known. */
  private void save(Map<String, List<PtqSweep.Row>> rows, PtqSweep.Settings s) throws IOException {
    ResultsFile.save(json, meta, results.values());
    if (rows == null) {
      return;
    }
    StringBuilder md = new StringBuilder("# Post-training quantization techniques on Fashion-MNIST: integers vs minifloats\n\n");
    meta.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\nTop-1 (%) with the weights (W bits) and the data inputs (A bits) of every Conv/Gemm/MatMul quantized. Integers\n");
    md.append("are signed with per-channel weight scales; minifloats `eXmYfin` have a sign, X exponent and Y mantissa bits,\n");
    md.append("subnormals and no inf/NaN codes, at least 2 exponent bits (one makes a uniform, integer-like grid), and are\n");
    md.append("the split with the best top-1 when weights (or activations) alone are quantized at that width. Each technique\n");
    md.append("runs alone on top of round-to-nearest (`none`); the best combination takes the better of equalize/smoothquant,\n");
    md.append("the better of gptq/learned-round and bias-correct, each only if it helped alone. Bold: the best of the row.\n");
    md.append("Every pipeline is in results.json.\n");
    Map<String, PtqSweep.Result> byPipeline = new LinkedHashMap<>();
    StringBuilder recovery = new StringBuilder();
    for (Map.Entry<String, List<PtqSweep.Row>> e : rows.entrySet()) {
      String m = e.getKey();
      byPipeline.clear();
      results.values().stream().filter(r -> r.model().equals(m)).forEach(r -> byPipeline.put(r.pipeline(), r));
      double fp32 = top1(m, "canonicalize");
      md.append(PtqSweep.markdown(m, fp32, e.getValue(), s, byPipeline));
      recovery.append(PtqSweep.recoveryRows(m, fp32, e.getValue(), s, byPipeline));
    }
    md.append("\n## Share of the round-to-nearest loss that the rounding techniques recover (A8)\n\n").append(PtqSweep.RECOVERY_HEADER).append(recovery);
    Models.writeAtomically(out.resolve("ptq.md"), md.toString().getBytes(StandardCharsets.UTF_8));
  }

  private double top1(String model, String pipeline) {
    PtqSweep.Result r = results.get(key(model, pipeline));
    if (r == null) {
      throw new IllegalStateException("no result for " + model + " " + pipeline);
    }
    return r.top1();
  }

  private static String key(String model, String pipeline) {
    return model + "/" + pipeline;
  }

  private void check(List<Integer> bits, String option) {
    for (int b : bits) {
      if (b < 3 || b > 8) {
        throw new ParameterException(spec.commandLine(), option + " takes widths within 3-8, got " + b);
      }
    }
  }
}
