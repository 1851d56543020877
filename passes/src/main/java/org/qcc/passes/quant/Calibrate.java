// calibrate: set the scales of activation quantizers from data run through the interpreter.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;
import org.qcc.simulator.functional.Interpreter;
import org.qcc.simulator.functional.Kernel;

/**
 * Finds every {@code qcc.FakeQuant} of a scalar format whose per-tensor scale is still NaN (what
 * {@code quantize} leaves on activations) and sets the scale from calibration samples. The
 * samples run through the golden interpreter with those quantizers passed through, so every
 * activation is observed as the fp32 model (with its already quantized weights) produces it.
 * One pass over the data finds each activation's range; the histogram methods take a second
 * pass to fill a histogram over that range.
 */
public final class Calibrate {
  public static final PassOption.Choice METHOD =
      PassOption.choice("method", "mse", "How the clipping threshold is chosen from the observed activations", "minmax", "percentile", "mse", "kl");
  public static final PassOption.Real PERCENTILE = new PassOption.Real("percentile", 99.99, 50, 100, "method=percentile: the percentage of magnitudes kept unclipped");
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 512, 1, 1_000_000, "Calibration samples to run (at most what the data has)");
  public static final PassOption.Int BATCH = new PassOption.Int("batch", 64, 1, 4096, "Samples per interpreter run");
  public static final PassOption.Int BINS = new PassOption.Int("bins", 2048, 64, 1 << 20, "Histogram bins for percentile, mse and kl");
  public static final PassOption.Int CANDIDATES = new PassOption.Int("candidates", 256, 8, 1 << 16, "Clipping thresholds tried by mse and kl");

  public static final PassInfo INFO =
      new PassInfo(
          "calibrate",
          "Set activation scales from calibration data",
          "Runs calibration samples (qcc opt --calibration) through the interpreter and sets every NaN per-tensor scale of a"
              + " scalar-format qcc.FakeQuant: minmax maps the largest magnitude to the format's largest value; percentile"
              + " clips at a percentile of the magnitudes; mse picks the threshold with the least squared quantization error;"
              + " kl the one whose quantized distribution has the least KL divergence from the clipped one. mse and kl quantize"
              + " with the real format, so they serve integer and minifloat grids alike. Scales are rounded up to the node's"
              + " scale_format.",
          List.of(METHOD, PERCENTILE, IMAGES, BATCH, BINS, CANDIDATES),
          List.of("activations-calibrated", "samples"),
          o -> (g, ctx) -> new Calibrate(g, o).run(ctx));

  /** One activation quantizer waiting for its scale. */
  private static final class Target {
    final Node node;
    final Quantizer quantizer;
    final FakeQuantSpec spec;
    final boolean signed;
    double amax;
    MagnitudeHistogram histogram;

    Target(Node node, FakeQuantSpec spec) {
      this.node = node;
      this.spec = spec;
      this.quantizer = spec.quantizer();
      this.signed = quantizer.format().minValue() < 0;
    }
  }

  private final Graph g;
  private final PassOptions o;

  private Calibrate(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<Target> targets = targets();
    if (targets.isEmpty()) {
      return PassResult.unchanged();
    }
    CalibrationData data =
        ctx.calibration()
            .orElseThrow(() -> new IllegalArgumentException(targets.size() + " activation scales need calibration data (qcc opt --calibration DATASET)"));
    int samples = Math.min(o.get(IMAGES), data.count());
    if (samples < 1) {
      throw new IllegalArgumentException("calibration data from " + data.source() + " has no samples");
    }
    observe(targets, data, samples, (t, x) -> {
      for (float v : x) {
        t.amax = Math.max(t.amax, MagnitudeHistogram.magnitude(v, t.signed));
      }
    });
    String method = o.get(METHOD);
    if (!method.equals("minmax")) {
      for (Target t : targets) {
        t.histogram = t.amax > 0 && Double.isFinite(t.amax) ? new MagnitudeHistogram(t.amax, t.signed, o.get(BINS)) : null;
      }
      observe(targets, data, samples, (t, x) -> {
        if (t.histogram != null) {
          t.histogram.add(x);
        }
      });
    }
    for (Target t : targets) {
      GraphEdits.replaceConstantInput(g, t.node, 1, Tensor.scalar(scale(t, method)));
    }
    ctx.stat("activations-calibrated", targets.size());
    ctx.stat("samples", samples);
    return PassResult.modified();
  }

  private List<Target> targets() {
    List<Target> out = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!FakeQuants.is(n) || n.inputs().size() < 2 || !g.isConstant(n.inputs().get(1))) {
        continue;
      }
      Tensor scale = g.constant(n.inputs().get(1));
      if (!hasNaN(scale)) {
        continue;
      }
      Value x = n.inputs().get(0);
      if (g.isConstant(x)) {
        throw new IllegalArgumentException("node '" + n.name() + "' quantizes a constant with a NaN scale; only activations are calibrated");
      }
      FakeQuantSpec spec = FakeQuants.spec(n);
      if (!(spec.granularity() instanceof Granularity.PerTensor)) {
        throw new IllegalArgumentException("node '" + n.name() + "': calibrate sets per-tensor activation scales, this one is " + spec.granularity());
      }
      out.add(new Target(n, spec));
    }
    return out;
  }

  private static boolean hasNaN(Tensor t) {
    for (int i = 0; i < t.size(); i++) {
      if (Double.isNaN(t.getDouble(i))) {
        return true;
      }
    }
    return false;
  }

  /** Runs the samples with every target passed through, handing each its input tensor. */
  private void observe(List<Target> targets, CalibrationData data, int samples, BiConsumer<Target, float[]> sink) {
    Map<Node, Kernel> observers = new IdentityHashMap<>();
    for (Target t : targets) {
      observers.put(
          t.node,
          k -> {
            sink.accept(t, ((FloatTensor) k.in(0)).data());
            return List.of(k.in(0));
          });
    }
    Interpreter interpreter = new Interpreter(g, observers);
    data.forEachBatch(samples, o.get(BATCH), interpreter::run);
  }

  private float scale(Target t, String method) {
    if (method.equals("minmax") || t.histogram == null) {
      return t.quantizer.scaleFor(t.amax);
    }
    ClippingSearch search = new ClippingSearch(t.histogram, t.quantizer, t.spec.rounding());
    return switch (method) {
      case "percentile" -> search.percentile(o.get(PERCENTILE));
      case "mse" -> search.mse(o.get(CANDIDATES));
      case "kl" -> search.kl(o.get(CANDIDATES));
      default -> throw new IllegalStateException(method);
    };
  }
}
