// The accuracy table: every bundled model under integer, minifloat, BFP and MX quantization.
package org.qcc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

/**
 * Evaluates points (a model and a quantization configuration) and keeps every finished one in
 * {@code results.json}, rewritten atomically after each, so an interrupted sweep resumes where it
 * stopped. The markdown table is rendered from the stored results.
 */
final class AccuracySweep {
  /** One configuration: weights and activations both in {@code format}, optionally 2:4 sparse. */
  record Point(String family, String format, int bits, boolean sparse) {
    String id() {
      return format + (sparse ? "+2:4" : "");
    }

    String pipeline(String method, int images, String firstLast) {
      StringBuilder p = new StringBuilder("canonicalize");
      if (sparse) {
        p.append(",sparsify{n=2,m=4}");
      }
      if (!family.equals("fp32")) {
        p.append(",quantize{weights=").append(format).append(",acts=").append(format).append(",first-last=").append(firstLast).append('}');
        p.append(",calibrate{method=").append(method).append(",images=").append(images).append('}');
      }
      return p.toString();
    }
  }

  /** A finished point, as stored. */
  record Result(String model, String config, String family, String format, int bits, boolean sparse, String pipeline, int images, int correct, double top1, double seconds) {}

  private AccuracySweep() {}

  /**
   * fp32 (dense and 2:4), then for each width: the integer, every minifloat split (sign, E
   * exponent bits, M mantissa bits, all codes finite), BFP with blocks of 16, and the OCP MX
   * formats of that width; each dense and 2:4 sparse when {@code sparse}.
   */
  static List<Point> points(int minBits, int maxBits, boolean sparse) {
    List<Point> dense = new ArrayList<>();
    dense.add(new Point("fp32", "fp32", 32, false));
    for (int b = maxBits; b >= minBits; b--) {
      dense.add(new Point("int", "int" + b, b, false));
      for (int e = 1; e <= b - 1; e++) {
        dense.add(new Point("minifloat", "e" + e + "m" + (b - 1 - e) + "fin", b, false));
      }
      dense.add(new Point("bfp", "bfp" + b + "b16", b, false));
      for (String mx : mxFormats(b)) {
        dense.add(new Point("mx", mx, b, false));
      }
    }
    List<Point> all = new ArrayList<>();
    for (Point p : dense) {
      all.add(p);
      if (sparse) {
        all.add(new Point(p.family(), p.format(), p.bits(), true));
      }
    }
    return all;
  }

  private static List<String> mxFormats(int bits) {
    return switch (bits) {
      case 8 -> List.of("mxint8", "mxfp8_e4m3", "mxfp8_e5m2");
      case 6 -> List.of("mxfp6_e3m2", "mxfp6_e2m3");
      case 4 -> List.of("mxfp4_e2m1");
      default -> List.of();
    };
  }

  static Map<String, Result> load(Path json) {
    Map<String, Result> out = new LinkedHashMap<>();
    ResultsFile.load(json, Result.class).forEach(r -> out.put(key(r.model(), r.config()), r));
    return out;
  }

  static String key(String model, String config) {
    return model + "/" + config;
  }

  /** Evaluates {@code point} on {@code model}; the graph is loaded fresh so points never share state. */
  static Result evaluate(String model, Path file, Point point, FashionMnist test, int limit, CalibrationData calibration, String method, int calibrationImages, String firstLast) {
    long start = System.nanoTime();
    Graph g = Models.load(file);
    String pipeline = point.pipeline(method, calibrationImages, firstLast);
    PassManager.build(PassRegistry.standard(), pipeline).run(g, calibration);
    TopOne.Result r = Accuracy.evaluate(g, test, limit, 100, null);
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Result(model, point.id(), point.family(), point.format(), point.bits(), point.sparse(), pipeline, r.total(), r.correct(), r.top1(), seconds);
  }

  /** Rows: format and W/A bits (dense, then 2:4); columns: models. The best of each width per model is bold. */
  static String markdown(List<String> models, List<Point> points, Map<String, Result> results, Map<String, Object> meta) {
    StringBuilder md = new StringBuilder("# Fashion-MNIST top-1 accuracy under post-training quantization\n\n");
    meta.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
    md.append("\nWeights and activations of every Conv/Gemm/MatMul in the format named (W = A bits); `+2:4` rows are also\n");
    md.append("2:4 magnitude-pruned. Minifloats `eXmYfin` have a sign, X exponent and Y mantissa bits, subnormals and no\n");
    md.append("inf/NaN codes. Bold: the best of that width and sparsity for the model.\n\n");
    md.append("| format | family | W/A bits |");
    models.forEach(m -> md.append(' ').append(m).append(" |"));
    md.append("\n|---|---|---|");
    models.forEach(m -> md.append("---:|"));
    md.append('\n');
    Map<String, Double> best = new TreeMap<>();
    for (Point p : points) {
      for (String m : models) {
        Result r = results.get(key(m, p.id()));
        if (r != null) {
          best.merge(m + "/" + p.bits() + "/" + p.sparse(), r.top1(), Math::max);
        }
      }
    }
    for (boolean sparse : new boolean[] {false, true}) {
      for (Point p : points) {
        if (p.sparse() != sparse) {
          continue;
        }
        md.append("| ").append(p.id()).append(" | ").append(p.family()).append(" | ").append(p.bits() == 32 ? "32" : p.bits()).append(" |");
        for (String m : models) {
          Result r = results.get(key(m, p.id()));
          if (r == null) {
            md.append(" – |");
            continue;
          }
          String cell = String.format("%.2f", 100 * r.top1());
          boolean isBest = p.bits() != 32 && r.top1() == best.get(m + "/" + p.bits() + "/" + p.sparse());
          md.append(' ').append(isBest ? "**" + cell + "**" : cell).append(" |");
        }
        md.append('\n');
      }
    }
    return md.toString();
  }

  static void progress(PrintWriter err, int done, int total, Result r) {
    if (err != null) {
      err.printf("[%d/%d] %s %s: top-1 %.2f%% (%d images, %.1f s)%n", done, total, r.model(), r.config(), 100 * r.top1(), r.images(), r.seconds());
      err.flush();
    }
  }
}
