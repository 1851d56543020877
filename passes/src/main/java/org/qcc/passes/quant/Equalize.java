// equalize: cross-layer weight equalization through positively homogeneous activations.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;

/**
 * Cross-layer equalization (Nagel et al., data-free quantization): for a producer whose output
 * channels reach the next layers through positively homogeneous ops only (f(x / s) = f(x) / s for
 * s > 0: Relu, pooling, per-channel arithmetic), channel c of the producer is divided by s_c and
 * the readers' input channel c multiplied by it, with s_c = sqrt(r1_c / r2_c) for r1 the largest
 * magnitude of the producer's weights of channel c and r2 that of the readers'. Both sides then
 * have range sqrt(r1 r2), which per-tensor weight quantization wastes less of. Chains interact,
 * so the pass repeats until no scale moves a range by more than the tolerance.
 *
 * <p>Activation equalization: with {@code activations = b > 0} the left-hand range becomes
 * r1^(1-b) ra^b, ra the largest magnitude of the region's activation channel (the readers' input)
 * on calibration data. Dividing channel c by s_c divides ra_c by s_c exactly (the region is
 * homogeneous), so the maxima are measured once and tracked. At b = 1 the activations and the
 * readers' weights end with equal ranges, which suits per-channel weights (where r1 does not
 * matter) and per-tensor activations, like SmoothQuant's alpha = 0.5 inside channel regions.
 */
public final class Equalize {
  public static final PassOption.Real TOLERANCE = new PassOption.Real("tolerance", 1e-3, 0, 1, "Stop once every scale is within this of 1");
  public static final PassOption.Int ITERATIONS = new PassOption.Int("iterations", 20, 1, 1000, "At most this many sweeps over all layer pairs");
  public static final PassOption.Real ACTIVATIONS = new PassOption.Real("activations", 0, 0, 1, "Weight of activation ranges against the producer's weight ranges (0: weights only; needs calibration data above 0)");
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 256, 1, 1_000_000, "Calibration samples for the activation ranges");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Producer layers to leave as they are");

  public static final PassInfo INFO =
      new PassInfo(
          "equalize",
          "Cross-layer weight equalization through positively homogeneous activations",
          "Rescales each producer's output channels and its readers' input channels so both weights have the same per-channel"
              + " range, through Relu, LeakyRelu, pooling, Flatten and per-channel Add/Sub/Mul/Div. A region through another"
              + " op (Gelu, Erf, Sigmoid, ...) is skipped with a warning naming the layer. The function is unchanged up to"
              + " fp32 rounding. With activations=b > 0 the producer side's range is r1^(1-b) ra^b, ra the activation"
              + " channel's range on calibration data (activation equalization). Run before quantize.",
          List.of(TOLERANCE, ITERATIONS, ACTIVATIONS, IMAGES, EXCLUDE),
          List.of("pairs-equalized", "iterations", "layers-skipped"),
          o -> (g, ctx) -> new Equalize(g, o).run(ctx));

  private final Graph g;
  private final PassOptions o;

  private Equalize(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<ChannelRegion> regions = new ArrayList<>();
    for (ChannelRegion r : ChannelRegion.all(g, ctx.get(Users.ANALYSIS), o.get(EXCLUDE))) {
      Optional<Node> blocker = r.nonHomogeneousOp(g);
      if (blocker.isPresent()) {
        ctx.warn("layer '" + r.producer().name() + "' is not equalized: " + blocker.get().opType() + " '" + blocker.get().name() + "' is not positively homogeneous");
        ctx.stat("layers-skipped", 1);
      } else {
        regions.add(r);
      }
    }
    Map<ChannelRegion, float[]> activationRange = activationRanges(regions, ctx);
    int sweeps = 0;
    double change = Double.POSITIVE_INFINITY;
    while (!regions.isEmpty() && sweeps < o.get(ITERATIONS) && change > o.get(TOLERANCE)) {
      change = 0;
      for (ChannelRegion r : regions) {
        change = Math.max(change, equalize(r, activationRange.get(r)));
      }
      sweeps++;
    }
    ctx.stat("pairs-equalized", regions.size());
    ctx.stat("iterations", sweeps);
    return PassResult.of(!regions.isEmpty());
  }

  /** Per region, the largest magnitude of each channel its readers read; empty for weights-only equalization. */
  private Map<ChannelRegion, float[]> activationRanges(List<ChannelRegion> regions, PassContext ctx) {
    Map<ChannelRegion, float[]> out = new IdentityHashMap<>();
    if (o.get(ACTIVATIONS) == 0 || regions.isEmpty()) {
      return out;
    }
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException("equalize{activations} needs calibration data (qcc opt --calibration DATASET)"));
    Map<Value, Integer> axes = new IdentityHashMap<>();
    regions.forEach(r -> r.readers().forEach(u -> axes.put(u.inputs().get(0), r.axes().get(u.inputs().get(0)))));
    Map<Value, float[]> maxima = ChannelRegion.activationMaxima(g, data, Math.min(o.get(IMAGES), data.count()), axes);
    for (ChannelRegion r : regions) {
      float[] range = new float[r.channels()];
      r.readers().forEach(u -> {
        float[] m = maxima.get(u.inputs().get(0));
        for (int c = 0; c < range.length; c++) {
          range[c] = Math.max(range[c], m[c]);
        }
      });
      out.put(r, range);
    }
    return out;
  }

  /** One equalization step for a region (activation ranges, when given, follow the rescale); returns the largest |s_c - 1|. */
  private double equalize(ChannelRegion r, float[] activationRange) {
    float[] producerRange = new float[r.channels()];
    float[] readerRange = new float[r.channels()];
    r.forEachConstant(
        g,
        (n, input, axis, role) -> {
          float[] range = role == ChannelRegion.Role.PRODUCER && input == 1 ? producerRange : role == ChannelRegion.Role.READER ? readerRange : null;
          if (range != null) {
            FloatTensor w = (FloatTensor) g.constant(n.inputs().get(input));
            ChannelRegion.channelMax(w.data(), w.shape(), axis, range);
          }
        });
    float[] s = new float[r.channels()];
    double b = activationRange == null ? 0 : o.get(ACTIVATIONS);
    double change = 0;
    for (int c = 0; c < s.length; c++) {
      double left = b == 0 ? producerRange[c] : Math.pow(producerRange[c], 1 - b) * Math.pow(activationRange[c], b);
      s[c] = left > 0 && readerRange[c] > 0 ? (float) Math.sqrt(left / readerRange[c]) : 1f;
      change = Math.max(change, Math.abs(s[c] - 1));
      if (activationRange != null) {
        activationRange[c] /= s[c];
      }
    }
    r.rescale(g, s);
    return change;
  }
}
