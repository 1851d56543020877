// qcc sweep-accuracy: the integer vs minifloat vs block-format accuracy table for the bundled models.
package org.qcc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.explore.DatasetCalibration;
import org.qcc.frontend.data.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "sweep-accuracy",
    description = {
      "Top-1 accuracy of the bundled models on Fashion-MNIST for weight/activation widths (default 3 to 8): integer,",
      "every minifloat exponent/mantissa split, BFP and OCP MX, dense and 2:4 sparse. Writes results.json (kept after",
      "every point: an interrupted sweep resumes) and accuracy.md."
    },
    footer = {"%nExamples:", "  qcc sweep-accuracy --out results/accuracy", "  qcc sweep-accuracy --models cnn --bits 4-8 --limit 1000 --no-sparse"})
final class SweepAccuracyCommand implements Callable<Integer> {
  @Option(names = "--models", split = ",", defaultValue = "mlp,cnn,vit", description = "Bundled models (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--bits", defaultValue = "3-8", description = "Widths, LO-HI (default: ${DEFAULT-VALUE}).")
  String bits;

  @Option(names = "--limit", defaultValue = "0", description = "Test images per point (0: the whole test set).")
  int limit;

  @Option(names = "--no-sparse", description = "Skip the 2:4 sparse rows.")
  boolean noSparse;

  @Option(names = "--method", defaultValue = "mse", description = "Activation calibration method (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(names = "--calibration-images", defaultValue = "512", description = "Training images for calibration (default: ${DEFAULT-VALUE}).")
  int calibrationImages;

  @Option(names = "--first-last", defaultValue = "quantize", description = "quantize or keep the first and last layers in fp32 (default: ${DEFAULT-VALUE}).")
  String firstLast;

  @Option(names = "--out", defaultValue = "results/accuracy", description = "Directory for results.json and accuracy.md (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int[] range = parseBits();
    if (!firstLast.equals("quantize") && !firstLast.equals("keep")) {
      throw new ParameterException(spec.commandLine(), "--first-last must be quantize or keep, got '" + firstLast + "'");
    }
    Map<String, Path> files = new LinkedHashMap<>();
    models.forEach(m -> files.put(m, Models.bundled(m)));
    List<AccuracySweep.Point> points = AccuracySweep.points(range[0], range[1], !noSparse);
    FashionMnist test = FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    int images = limit > 0 ? Math.min(limit, test.count()) : test.count();
    Path json = out.resolve("results.json");
    Path md = out.resolve("accuracy.md");
    Map<String, AccuracySweep.Result> results = AccuracySweep.load(json);
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("dataset", test.dir() + " (test split), " + images + " images per point");
    meta.put("calibration", calibrationImages + " training images, method " + method);
    meta.put("first and last layers", firstLast);
    meta.put("status", "in progress");
    PrintWriter err = quiet || common.json ? null : spec.commandLine().getErr();
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    int total = points.size() * models.size();
    int done = 0;
    int computed = 0;
    long start = System.nanoTime();
    for (AccuracySweep.Point p : points) {
      for (String m : models) {
        done++;
        String key = AccuracySweep.key(m, p.id());
        AccuracySweep.Result prior = results.get(key);
        if (prior != null && prior.images() == images && prior.pipeline().equals(p.pipeline(method, calibrationImages, firstLast))) {
          continue;
        }
        AccuracySweep.Result r = AccuracySweep.evaluate(m, files.get(m), p, test, images, calibration, method, calibrationImages, firstLast);
        results.put(key, r);
        computed++;
        ResultsFile.save(json, meta, results.values());
        writeTable(md, points, results, meta);
        AccuracySweep.progress(err, done, total, r);
      }
    }
    double seconds = results.values().stream().mapToDouble(AccuracySweep.Result::seconds).sum();
    meta.put("run time", String.format("%.0f s of evaluation over %d points (%d computed in this run, %.0f s wall)", seconds, results.size(), computed, (System.nanoTime() - start) / 1e9));
    meta.put("status", "finished " + Instant.now());
    ResultsFile.save(json, meta, results.values());
    writeTable(md, points, results, meta);
    ResultsFile.printSummary(spec.commandLine(), common.json, json, md, results.size(), computed);
    return Qcc.OK;
  }

  /** The table is rewritten with every point, so an interrupted sweep still leaves a readable one. */
  private void writeTable(Path md, List<AccuracySweep.Point> points, Map<String, AccuracySweep.Result> results, Map<String, Object> meta) throws java.io.IOException {
    Models.writeAtomically(md, AccuracySweep.markdown(models, points, results, meta).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private int[] parseBits() {
    String[] parts = bits.split("-");
    try {
      int lo = Integer.parseInt(parts[0].trim());
      int hi = Integer.parseInt(parts[parts.length - 1].trim());
      if (parts.length <= 2 && lo >= 3 && hi <= 8 && lo <= hi) {
        return new int[] {lo, hi};
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ParameterException(spec.commandLine(), "--bits must be LO-HI within 3-8, got '" + bits + "'");
  }
}
