// equalize: cross-layer weight equalization through positively homogeneous activations.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.passes.GraphEdits;
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

  /** f(x / s) = f(x) / s for s > 0, whatever the other inputs (checked separately for binary ops). */
  private static final Set<String> HOMOGENEOUS =
      Set.of("Relu", "LeakyRelu", "Abs", "Neg", "Identity", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Add", "Sub", "Mul", "Div");

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
      // Name a non-homogeneous activation (Erf, Sigmoid) before the arithmetic around it.
      Optional<Node> blocker =
          r.get().ops().stream().filter(op -> !HOMOGENEOUS.contains(op.opType())).findFirst().or(() -> r.get().ops().stream().filter(op -> !homogeneous(op, r.get())).findFirst());
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

  /** Whether dividing the region's channels by s before {@code op} divides its output by s. */
  private boolean homogeneous(Node op, ChannelRegion r) {
    if (!HOMOGENEOUS.contains(op.opType())) {
      return false;
    }
    List<Value> in = op.inputs();
    long inRegion = in.stream().filter(r.axes()::containsKey).count();
    return switch (op.opType()) {
      // Sums stay homogeneous when every term is scaled: region values, or constants along the channels.
      case "Add", "Sub" -> in.stream().allMatch(v -> r.axes().containsKey(v) || perChannel(v, op, r));
      case "Mul" -> inRegion == 1;
      case "Div" -> inRegion == 1 && r.axes().containsKey(in.get(0));
      default -> true;
    };
  }

  private boolean perChannel(Value v, Node op, ChannelRegion r) {
    int axis = op.inputs().stream().filter(r.axes()::containsKey).map(r.axes()::get).findFirst().orElseThrow();
    return g.isConstant(v) && ChannelRegion.constantAxis(g.constant(v), axis, r.channels()) >= 0;
  }

  /** One equalization step for a region; returns the largest |s_c - 1|. */
  private double equalize(ChannelRegion r) {
    float[] producerRange = new float[r.channels()];
    float[] readerRange = new float[r.channels()];
    r.forEachConstant(
        g,
        (n, input, axis, role) -> {
          if (role == ChannelRegion.Role.PRODUCER && input == 1) {
            channelMax(g.constant(n.inputs().get(input)), axis, producerRange);
          } else if (role == ChannelRegion.Role.READER) {
            channelMax(g.constant(n.inputs().get(input)), axis, readerRange);
          }
        });
    float[] s = new float[r.channels()];
    double change = 0;
    for (int c = 0; c < s.length; c++) {
      s[c] = producerRange[c] > 0 && readerRange[c] > 0 ? (float) Math.sqrt(producerRange[c] / (double) readerRange[c]) : 1f;
      change = Math.max(change, Math.abs(s[c] - 1));
    }
    r.forEachConstant(
        g,
        (n, input, axis, role) -> {
          boolean divide = role != ChannelRegion.Role.READER;
          if (role != ChannelRegion.Role.OP_CONSTANT || n.opType().equals("Add") || n.opType().equals("Sub")) {
            scale(n, input, axis, s, divide);
          }
        });
    return change;
  }

  private static void channelMax(Tensor t, int axis, float[] range) {
    float[] x = ((FloatTensor) t).data();
    AxisView v = AxisView.of(t.shape(), axis, "channel axis");
    for (int i = 0; i < x.length; i++) {
      int c = (i / v.inner()) % v.length();
      range[c] = Math.max(range[c], Math.abs(x[i]));
    }
  }

  /** Divides (or multiplies) index c along {@code axis} of the constant input by s[c]. */
  private void scale(Node n, int input, int axis, float[] s, boolean divide) {
    FloatTensor t = (FloatTensor) g.constant(n.inputs().get(input));
    AxisView v = AxisView.of(t.shape(), axis, "channel axis");
    float[] x = t.data().clone();
    for (int i = 0; i < x.length; i++) {
      int c = (i / v.inner()) % v.length();
      x[i] = divide ? x[i] / s[c] : x[i] * s[c];
    }
    GraphEdits.replaceConstantInput(g, n, input, new FloatTensor(t.format(), t.shape(), x));
  }
}
