// The PTQ accuracy table: each technique alone and the best combination, integers vs the best minifloat.
package org.qcc.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which points the PTQ sweep evaluates and how its table reads. Points are pipelines; a result is
 * stored per (model, pipeline), so a pipeline two rows share is evaluated once and an interrupted
 * sweep resumes. The sweep runs in three stages, each needing the results of the one before:
 *
 * <ol>
 *   <li>selection: every minifloat split of each weight width (weights alone quantized) and of
 *       each activation width (activations alone), to find the best minifloat per width;
 *   <li>techniques: for each weight and activation width, the integer and the best minifloat
 *       configurations under round-to-nearest and under each technique alone;
 *   <li>combination: the best pre-quantization transform (equalize or smoothquant), the best
 *       rounding (gptq or learned-round) and bias-correct, each only if it helped alone.
 * </ol>
 */
final class PtqSweep {
  /** Techniques in table order; {@link #COMBINED} is assembled from the others' results. */
  static final List<String> TECHNIQUES = List.of("none", "equalize", "smoothquant", "bias-correct", "gptq", "learned-round");

  static final String COMBINED = "best combination";

  /** Sweep-wide settings. */
  record Settings(int calibrationImages, int techniqueImages) {
    String calibrate() {
      return "calibrate{method=mse,images=" + calibrationImages + "}";
    }

    /** The pipeline of {@code weights}/{@code acts} with the given steps before quantize, after calibrate. */
    String pipeline(String weights, String acts, List<String> before, List<String> after) {
      List<String> steps = new ArrayList<>();
      steps.add("canonicalize");
      steps.addAll(before);
      steps.add("quantize{weights=" + weights + ",acts=" + acts + "}");
      if (!acts.equals("none")) {
        steps.add(calibrate());
      }
      steps.addAll(after);
      return String.join(",", steps);
    }

    /** The pipeline of one technique alone. */
    String technique(String weights, String acts, String technique) {
      String images = "{images=" + techniqueImages + "}";
      return switch (technique) {
        case "none" -> pipeline(weights, acts, List.of(), List.of());
        case "equalize" -> pipeline(weights, acts, List.of("equalize"), List.of());
        case "smoothquant" -> pipeline(weights, acts, List.of("smoothquant" + images), List.of());
        case "bias-correct", "gptq", "learned-round" -> pipeline(weights, acts, List.of(), List.of(technique + images));
        default -> throw new IllegalArgumentException("unknown technique " + technique);
      };
    }

    /** The combination of the techniques that helped alone, in pipeline order; empty when none did. */
    Optional<String> combination(String weights, String acts, Function<String, Double> top1) {
      double none = top1.apply("none");
      List<String> before = new ArrayList<>();
      List<String> after = new ArrayList<>();
      best(List.of("equalize", "smoothquant"), none, top1).ifPresent(t -> before.add(t.equals("smoothquant") ? t + "{images=" + techniqueImages + "}" : t));
      best(List.of("gptq", "learned-round"), none, top1).ifPresent(t -> after.add(t + "{images=" + techniqueImages + "}"));
      if (top1.apply("bias-correct") > none) {
        after.add("bias-correct{images=" + techniqueImages + "}");
      }
      return before.isEmpty() && after.isEmpty() ? Optional.empty() : Optional.of(pipeline(weights, acts, before, after));
    }

    private static Optional<String> best(List<String> candidates, double none, Function<String, Double> top1) {
      return candidates.stream().filter(t -> top1.apply(t) > none).max(Comparator.comparingDouble(top1::apply));
    }
  }

  /** One row of the table: a model at W/A widths in one family with its two formats. */
  record Row(String model, int weightBits, int actBits, String family, String weights, String acts) {}

  /** A finished evaluation. */
  record Result(String model, String pipeline, int images, int correct, double top1, double seconds) {}

  private PtqSweep() {}

  /**
   * The minifloat splits of a width, eXmYfin (sign, X exponent, Y mantissa bits, all codes
   * finite), from two exponent bits: with one exponent bit and subnormals the grid is uniform, a
   * sign-magnitude integer, which would let "the best minifloat" be an integer in disguise.
   */
  static List<String> minifloats(int bits) {
    List<String> out = new ArrayList<>();
    for (int e = 2; e <= bits - 1; e++) {
      out.add("e" + e + "m" + (bits - 1 - e) + "fin");
    }
    return out;
  }

  /** Selection pipelines: weights alone in {@code format}. */
  static String weightsOnly(Settings s, String format) {
    return s.pipeline(format, "none", List.of(), List.of());
  }

  /** Selection pipelines: activations alone in {@code format}. */
  static String actsOnly(Settings s, String format) {
    return s.pipeline("none", format, List.of(), List.of());
  }

  /** The split with the best top-1 in {@code pipelineOf}'s selection runs (the first on ties). */
  static String bestMinifloat(int bits, Function<String, String> pipelineOf, Function<String, Double> top1) {
    String best = null;
    double bestTop1 = -1;
    for (String f : minifloats(bits)) {
      double t = top1.apply(pipelineOf.apply(f));
      if (t > bestTop1) {
        best = f;
        bestTop1 = t;
      }
    }
    return best;
  }

  /** The table for one model: a row per W/A/family, a column per technique; the best of each row in bold. */
  static String markdown(String model, double fp32, List<Row> rows, Settings s, Map<String, Result> byPipeline) {
    StringBuilder md = new StringBuilder();
    md.append("\n## ").append(model).append(String.format(" (fp32: %.2f%%)%n%n", 100 * fp32));
    md.append("| W | A | family | weights / acts |");
    TECHNIQUES.forEach(t -> md.append(' ').append(t).append(" |"));
    md.append(' ').append(COMBINED).append(" |\n|---:|---:|---|---|");
    TECHNIQUES.forEach(t -> md.append("---:|"));
    md.append("---|\n");
    for (Row r : rows) {
      Map<String, Double> top1 = new LinkedHashMap<>();
      for (String t : TECHNIQUES) {
        Result res = byPipeline.get(s.technique(r.weights(), r.acts(), t));
        if (res != null) {
          top1.put(t, res.top1());
        }
      }
      Optional<Result> combined = top1.size() == TECHNIQUES.size() ? s.combination(r.weights(), r.acts(), top1::get).map(byPipeline::get) : Optional.empty();
      double best = top1.values().stream().mapToDouble(Double::doubleValue).max().orElse(-1);
      md.append("| ").append(r.weightBits()).append(" | ").append(r.actBits()).append(" | ").append(r.family()).append(" | ").append(r.weights()).append(" / ").append(r.acts()).append(" |");
      for (String t : TECHNIQUES) {
        Double v = top1.get(t);
        md.append(' ').append(v == null ? "–" : bold(v, v == best)).append(" |");
      }
      md.append(' ').append(combined.map(c -> bold(c.top1(), c.top1() > best) + " (" + combinationName(c.pipeline()) + ")").orElse("–")).append(" |\n");
    }
    return md.toString();
  }

  static final String RECOVERY_HEADER = "| model | W | family | loss at round-to-nearest | recovered by gptq | recovered by learned-round |\n|---|---:|---|---:|---:|---:|\n";

  /**
   * How much of the round-to-nearest loss each rounding technique wins back, (technique - none) /
   * (fp32 - none), at each weight width with 8-bit activations: the literature's claim to check.
   */
  static String recoveryRows(String model, double fp32, List<Row> rows, Settings s, Map<String, Result> byPipeline) {
    StringBuilder md = new StringBuilder();
    for (Row r : rows) {
      if (r.actBits() != 8) {
        continue;
      }
      Result none = byPipeline.get(s.technique(r.weights(), r.acts(), "none"));
      Result gptq = byPipeline.get(s.technique(r.weights(), r.acts(), "gptq"));
      Result learned = byPipeline.get(s.technique(r.weights(), r.acts(), "learned-round"));
      if (none == null || gptq == null || learned == null) {
        continue;
      }
      double loss = fp32 - none.top1();
      md.append(String.format("| %s | %d | %s | %.2f pt | %s | %s |%n", model, r.weightBits(), r.family(), 100 * loss, share(gptq.top1() - none.top1(), loss), share(learned.top1() - none.top1(), loss)));
    }
    return md.toString();
  }

  private static String share(double gain, double loss) {
    return loss <= 0.005 ? String.format("%+.2f pt", 100 * gain) : String.format("%.0f%%", 100 * gain / loss);
  }

  private static String bold(double top1, boolean bold) {
    String cell = String.format("%.2f", 100 * top1);
    return bold ? "**" + cell + "**" : cell;
  }

  /** The techniques a combination pipeline holds, e.g. "equalize + gptq + bias-correct". */
  static String combinationName(String pipeline) {
    List<String> parts = new ArrayList<>();
    for (String step : pipeline.split(",(?![^{]*})")) {
      String name = step.replaceAll("\\{.*", "");
      if (TECHNIQUES.contains(name)) {
        parts.add(name);
      }
    }
    return String.join(" + ", parts);
  }
}
