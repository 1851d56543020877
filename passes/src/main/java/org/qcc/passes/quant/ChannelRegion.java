// The channels between a layer and the layers that read them through channel-wise ops only.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.fp32Constant;
import static org.qcc.passes.ConstantFacts.intAttr;
import static org.qcc.passes.ConstantFacts.is;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.analysis.Users;
import org.qcc.simulator.functional.Interpreter;

/**
 * A producer (Conv, Gemm or MatMul with a constant weight), the ops its output passes through
 * while each channel stays apart (activations, pooling, arithmetic with scalars or per-channel
 * constants, Flatten of 1x1 maps), and the layers that reduce over those channels. Within such a
 * region the channels can be permuted ({@code reorder-channels}) or, through positively
 * homogeneous ops, rescaled ({@code equalize}) without changing the function, by editing
 * constants only. {@code axes} holds each region value's channel axis counted from the end.
 */
record ChannelRegion(Node producer, int channels, List<Node> ops, Map<Value, Integer> axes, List<Node> readers) {

  /** Where a region's constants are touched, and along which axis. */
  enum Role {
    /** The producer's weight (output channels) and bias. */
    PRODUCER,
    /** A per-channel constant of an op inside the region. */
    OP_CONSTANT,
    /** A reader's weight (reduction channels). */
    READER
  }

  /** Visits one constant input: node, input index, the constant's channel axis, role. */
  interface ConstantVisitor {
    void visit(Node n, int input, int axis, Role role);
  }

  /** Ops through which a channel keeps its identity (unary, or binary with constants / in-region values). */
  static final Set<String> CHANNELWISE =
      Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Gelu", "Clip", "Abs", "Neg", "Exp", "Sqrt", "Identity", "Softplus", "HardSigmoid", "HardSwish", "Elu", "Selu", "Add", "Sub", "Mul", "Div", "Pow");

  static final Set<String> POOLING = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool");

  /** The closed regions of every producer not named in {@code exclude}, in graph order. */
  static List<ChannelRegion> all(Graph g, Users users, List<String> exclude) {
    List<ChannelRegion> regions = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!exclude.contains(n.name())) {
        of(g, n, users).ifPresent(regions::add);
      }
    }
    return regions;
  }

  /** The region after {@code producer}, when it is closed: every use is channel-wise or a reader's data input. */
  static Optional<ChannelRegion> of(Graph g, Node producer, Users users) {
    Optional<LayerAxes> pax = LayerAxes.of(producer);
    Optional<Tensor> pw = fp32Constant(g, producer, 1);
    if (pax.isEmpty() || pw.isEmpty() || is(producer, "Conv") && intAttr(producer, "group") != 1 || producer.inputs().size() > 2 && !biasIsPerChannel(g, producer, pw.get().dim(pax.get().weightChannel()))) {
      return Optional.empty();
    }
    int channels = pw.get().dim(pax.get().weightChannel());
    Value out = producer.output(0);
    // First the nodes reachable through ops of channel-wise kinds, stopping at compute layers ...
    Set<Node> ops = new LinkedHashSet<>();
    Set<Node> readers = new LinkedHashSet<>();
    Deque<Value> work = new ArrayDeque<>(List.of(out));
    while (!work.isEmpty()) {
      Value v = work.pop();
      if (users.isGraphOutput(v)) {
        return Optional.empty();
      }
      for (Node u : users.of(v)) {
        if (LayerAxes.of(u).isPresent() && u.inputs().get(0) == v) {
          readers.add(u);
        } else if (!CHANNELWISE.contains(u.opType()) && !POOLING.contains(u.opType()) && !is(u, "Flatten") || !u.domain().isEmpty()) {
          return Optional.empty();
        } else if (ops.add(u)) {
          work.addAll(u.outputs());
        }
      }
    }
    // ... then, in graph order, check each keeps the channels apart and find its channel axis.
    // Channel axes count from the end, so constants broadcast against them align from the right.
    Map<Value, Integer> axes = new IdentityHashMap<>();
    axes.put(out, is(producer, "Conv") ? -(pw.get().rank() - 1) : -1);
    for (Node n : g.nodes()) {
      if (ops.contains(n)) {
        Optional<Integer> axis = passesChannels(g, n, axes, channels);
        if (axis.isEmpty()) {
          return Optional.empty();
        }
        axes.put(n.output(0), axis.get());
      } else if (readers.contains(n) && !isReader(g, n, n.inputs().get(0), axes.getOrDefault(n.inputs().get(0), 0), channels)) {
        return Optional.empty();
      }
    }
    return readers.isEmpty() ? Optional.empty() : Optional.of(new ChannelRegion(producer, channels, List.copyOf(ops), axes, List.copyOf(readers)));
  }

  private static boolean biasIsPerChannel(Graph g, Node producer, int channels) {
    Optional<Tensor> b = fp32Constant(g, producer, 2);
    return b.isPresent() && b.get().rank() == 1 && b.get().dim(0) == channels;
  }

  /** A layer that reduces over the region's channels: its data input is {@code v} and its weight an fp32 constant. */
  private static boolean isReader(Graph g, Node u, Value v, int axis, int channels) {
    Optional<LayerAxes> ax = LayerAxes.of(u);
    Optional<Tensor> w = fp32Constant(g, u, 1);
    if (ax.isEmpty() || w.isEmpty() || u.inputs().get(0) != v || u.inputs().indexOf(v) != u.inputs().lastIndexOf(v)) {
      return false;
    }
    if (is(u, "Conv") && intAttr(u, "group") != 1 || is(u, "Gemm") && intAttr(u, "transA") != 0) {
      return false;
    }
    int rank = v.type().shape().ranked() ? v.type().shape().rank() : -1;
    int expected = is(u, "Conv") ? 1 - Math.max(rank, 0) : -1;
    return axis == expected && w.get().dim(ax.get().weightReduction()) == channels;
  }

  /** The channel axis of {@code u}'s output when {@code u} keeps channels apart; empty otherwise. */
  private static Optional<Integer> passesChannels(Graph g, Node u, Map<Value, Integer> axes, int channels) {
    Integer axis = null;
    for (Value in : u.inputs()) {
      Integer a = in == null ? null : axes.get(in);
      if (a != null && axis != null && !axis.equals(a)) {
        return Optional.empty();
      }
      axis = a != null ? a : axis;
    }
    if (axis == null || u.outputs().size() != 1 || !u.domain().isEmpty()) {
      return Optional.empty();
    }
    for (Value in : u.inputs()) {
      if (in != null && !axes.containsKey(in) && (!g.isConstant(in) || constantAxis(g.constant(in), axis, channels) == -2)) {
        return Optional.empty();
      }
    }
    if (CHANNELWISE.contains(u.opType())) {
      return Optional.of(axis);
    }
    if (POOLING.contains(u.opType()) && axis == -3) {
      return Optional.of(axis);
    }
    if (is(u, "Flatten") && intAttr(u, "axis") == 1 && axis == -3) {
      Optional<long[]> s = u.inputs().get(0).type().shape().sizes();
      return s.isPresent() && s.get().length == 4 && s.get()[2] == 1 && s.get()[3] == 1 ? Optional.of(-1) : Optional.empty();
    }
    return Optional.empty();
  }

  /** Which dimension of a broadcast constant runs along the channels: its index, -1 for none, -2 if it cannot broadcast. */
  static int constantAxis(Tensor t, int axis, int channels) {
    int d = t.rank() + axis;
    if (d < 0 || t.dim(d) == 1) {
      return -1;
    }
    return t.dim(d) == channels ? d : -2;
  }

  /** Every constant that carries the region's channels. */
  void forEachConstant(Graph g, ConstantVisitor visitor) {
    LayerAxes pax = LayerAxes.of(producer).orElseThrow();
    visitor.visit(producer, 1, pax.weightChannel(), Role.PRODUCER);
    if (producer.inputs().size() > 2 && producer.inputs().get(2) != null) {
      visitor.visit(producer, 2, 0, Role.PRODUCER);
    }
    for (Node op : ops) {
      int axis = op.inputs().stream().filter(axes::containsKey).map(axes::get).findFirst().orElseThrow();
      for (int i = 0; i < op.inputs().size(); i++) {
        Value in = op.inputs().get(i);
        if (in != null && g.isConstant(in)) {
          int d = constantAxis(g.constant(in), axis, channels);
          if (d >= 0) {
            visitor.visit(op, i, d, Role.OP_CONSTANT);
          }
        }
      }
    }
    for (Node u : readers) {
      visitor.visit(u, 1, LayerAxes.of(u).orElseThrow().weightReduction(), Role.READER);
    }
  }

  /** f(x / s) = f(x) / s for s > 0, whatever the other inputs (checked separately for binary ops). */
  static final Set<String> HOMOGENEOUS =
      Set.of("Relu", "LeakyRelu", "Abs", "Neg", "Identity", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Add", "Sub", "Mul", "Div");

  /**
   * An op of the region through which the channels cannot be rescaled (dividing its input by s
   * does not divide its output by s), naming a non-homogeneous activation (Erf, Sigmoid) before
   * the arithmetic around it; empty when the whole region can be rescaled.
   */
  Optional<Node> nonHomogeneousOp(Graph g) {
    return ops.stream().filter(op -> !HOMOGENEOUS.contains(op.opType())).findFirst().or(() -> ops.stream().filter(op -> !homogeneous(g, op)).findFirst());
  }

  private boolean homogeneous(Graph g, Node op) {
    List<Value> in = op.inputs();
    long inRegion = in.stream().filter(axes::containsKey).count();
    int axis = in.stream().filter(axes::containsKey).map(axes::get).findFirst().orElseThrow();
    return switch (op.opType()) {
      // Sums stay homogeneous when every term is scaled: region values, or constants along the channels.
      case "Add", "Sub" -> in.stream().allMatch(v -> axes.containsKey(v) || g.isConstant(v) && constantAxis(g.constant(v), axis, channels) >= 0);
      case "Mul" -> inRegion == 1;
      case "Div" -> inRegion == 1 && axes.containsKey(in.get(0));
      default -> true;
    };
  }

  /**
   * Divides the region's channel c by s[c] before the readers and multiplies the readers' input
   * channel c by s[c]: the producer's weight and bias and the per-channel constants of sums are
   * divided, products and quotients need nothing. Only valid when {@link #nonHomogeneousOp} is empty.
   */
  void rescale(Graph g, float[] s) {
    forEachConstant(
        g,
        (n, input, axis, role) -> {
          if (role != Role.OP_CONSTANT || n.opType().equals("Add") || n.opType().equals("Sub")) {
            scaleConstant(g, n, input, axis, s, role != Role.READER);
          }
        });
  }

  /** Divides (or multiplies) index c along {@code axis} of a node's constant input by s[c]. */
  static void scaleConstant(Graph g, Node n, int input, int axis, float[] s, boolean divide) {
    FloatTensor t = (FloatTensor) g.constant(n.inputs().get(input));
    AxisView v = AxisView.of(t.shape(), axis, "channel axis");
    float[] x = t.data().clone();
    for (int i = 0; i < x.length; i++) {
      int c = (i / v.inner()) % v.length();
      x[i] = divide ? x[i] / s[c] : x[i] * s[c];
    }
    GraphEdits.replaceConstantInput(g, n, input, new FloatTensor(t.format(), t.shape(), x));
  }

  /** Raises range[c] to the largest magnitude of channel c (index c along {@code axis}) in x. */
  static void channelMax(float[] x, int[] shape, int axis, float[] range) {
    AxisView v = AxisView.of(shape, axis, "channel axis");
    for (int i = 0; i < x.length; i++) {
      int c = (i / v.inner()) % v.length();
      range[c] = Math.max(range[c], Math.abs(x[i]));
    }
  }

  /**
   * The largest magnitude per channel of each value in {@code axes} (its channel axis counted
   * from the end) over the first {@code samples} calibration samples, run through the interpreter.
   */
  static Map<Value, float[]> activationMaxima(Graph g, CalibrationData data, int samples, Map<Value, Integer> axes) {
    Map<Value, float[]> max = new IdentityHashMap<>();
    Interpreter interpreter = new Interpreter(g);
    data.forEachBatch(
        samples,
        64,
        batch ->
            interpreter.run(
                batch,
                (v, t) -> {
                  Integer axis = axes.get(v);
                  if (axis != null) {
                    float[] m = max.computeIfAbsent(v, k -> new float[t.dim(t.rank() + axis)]);
                    channelMax(((FloatTensor) t).data(), t.shape(), t.rank() + axis, m);
                  }
                }));
    return max;
  }
}
