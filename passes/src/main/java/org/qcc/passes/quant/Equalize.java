// equalize: cross-layer weight equalization through positively homogeneous activations.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
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
 */
public final class Equalize {
  public static final PassOption.Real TOLERANCE = new PassOption.Real("tolerance", 1e-3, 0, 1, "Stop once every scale is within this of 1");
  public static final PassOption.Int ITERATIONS = new PassOption.Int("iterations", 20, 1, 1000, "At most this many sweeps over all layer pairs");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Producer layers to leave as they are");

  public static final PassInfo INFO =
      new PassInfo(
          "equalize",
          "Cross-layer weight equalization through positively homogeneous activations",
          "Rescales each producer's output channels and its readers' input channels so both weights have the same per-channel"
              + " range, through Relu, LeakyRelu, pooling, Flatten and per-channel Add/Sub/Mul/Div. A region through another"
              + " op (Gelu, Erf, Sigmoid, ...) is skipped with a warning naming the layer. The function is unchanged up to"
              + " fp32 rounding. Run before quantize.",
          List.of(TOLERANCE, ITERATIONS, EXCLUDE),
          List.of("pairs-equalized", "iterations", "layers-skipped"),
          o -> (g, ctx) -> new Equalize(g, o).run(ctx));

  private final Graph g;
  private final PassOptions o;

  private Equalize(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    Users users = ctx.get(Users.ANALYSIS);
    List<ChannelRegion> regions = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (o.get(EXCLUDE).contains(n.name())) {
        continue;
      }
      Optional<ChannelRegion> r = ChannelRegion.of(g, n, users);
      if (r.isEmpty()) {
        continue;
      }
      Optional<Node> blocker = r.get().nonHomogeneousOp(g);
      if (blocker.isPresent()) {
        ctx.warn("layer '" + n.name() + "' is not equalized: " + blocker.get().opType() + " '" + blocker.get().name() + "' is not positively homogeneous");
        ctx.stat("layers-skipped", 1);
      } else {
        regions.add(r.get());
      }
    }
    int sweeps = 0;
    double change = Double.POSITIVE_INFINITY;
    while (!regions.isEmpty() && sweeps < o.get(ITERATIONS) && change > o.get(TOLERANCE)) {
      change = 0;
      for (ChannelRegion r : regions) {
        change = Math.max(change, equalize(r));
      }
      sweeps++;
    }
    ctx.stat("pairs-equalized", regions.size());
    ctx.stat("iterations", sweeps);
    return PassResult.of(!regions.isEmpty());
  }

  /** One equalization step for a region; returns the largest |s_c - 1|. */
  private double equalize(ChannelRegion r) {
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
    double change = 0;
    for (int c = 0; c < s.length; c++) {
      s[c] = producerRange[c] > 0 && readerRange[c] > 0 ? (float) Math.sqrt(producerRange[c] / (double) readerRange[c]) : 1f;
      change = Math.max(change, Math.abs(s[c] - 1));
    }
    r.rescale(g, s);
    return change;
  }
}
