// reorder-channels: permute the channels between two layers so outlier channels share blocks.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.fp32Constant;
import static org.qcc.passes.ConstantFacts.intAttr;
import static org.qcc.passes.ConstantFacts.is;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.analysis.Users;
import org.qcc.passes.PassResult;
import org.qcc.simulator.functional.Interpreter;

/**
 * Between a producer layer and the layers that read its output through channel-wise ops only
 * (activations, pooling, per-channel or scalar arithmetic), the order of the channels is free:
 * permuting the producer's output channels, the constants of those ops and the readers'
 * reduction channels by one permutation computes the same function. Sorting the channels by
 * magnitude, largest first, puts the outlier channels into the same blocks of a block format
 * (BFP, MX) along the reduction axis, so ordinary channels no longer share a block exponent with
 * an outlier. The permutation is folded into the weights: inference does no extra work.
 */
public final class ReorderChannels {
  public static final PassOption.Choice BY =
      PassOption.choice("by", "activations", "Sort channels by their largest activation on calibration data, or by the readers' largest weight", "activations", "weights");
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 256, 1, 1_000_000, "Calibration samples for by=activations");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Producer layers whose output channels stay in order");

  public static final PassInfo INFO =
      new PassInfo(
          "reorder-channels",
          "Sort the channels between layers by magnitude so block formats group outliers",
          "For each Conv/Gemm/MatMul whose output reaches other such layers only through channel-wise ops (Relu and other"
              + " activations, pooling, Add/Mul/Div/Sub with scalars or per-channel constants, Flatten of 1x1 maps), permutes"
              + " the channels in descending order of magnitude: the producer's output channels and bias, the per-channel"
              + " constants on the way, and the readers' reduction channels. The function is unchanged up to fp32 summation"
              + " order. Run before quantize.",
          List.of(BY, IMAGES, EXCLUDE),
          List.of("producers-reordered", "channels-moved"),
          o -> (g, ctx) -> new ReorderChannels(g, o).run(ctx));

  /** Ops through which a channel keeps its identity (unary, or binary with constants / in-region values). */
  private static final Set<String> CHANNELWISE =
      Set.of("Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Gelu", "Clip", "Abs", "Neg", "Exp", "Sqrt", "Identity", "Softplus", "HardSigmoid", "HardSwish", "Elu", "Selu", "Add", "Sub", "Mul", "Div", "Pow");

  private static final Set<String> POOLING = Set.of("MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool");

  /** A producer, the channel-wise region after it and the layers reading the region. */
  private record Region(Node producer, int channels, List<Node> ops, Map<Value, Integer> axes, List<Node> readers) {}

  private final Graph g;
  private final PassOptions o;

  private ReorderChannels(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    Users users = ctx.get(Users.ANALYSIS);
    List<Region> regions = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (!o.get(EXCLUDE).contains(n.name())) {
        region(n, users).ifPresent(regions::add);
      }
    }
    if (regions.isEmpty()) {
      return PassResult.unchanged();
    }
    List<float[]> keys = o.get(BY).equals("activations") ? activationKeys(regions, ctx) : weightKeys(regions);
    long moved = 0;
    int reordered = 0;
    for (int r = 0; r < regions.size(); r++) {
      int[] perm = descending(keys.get(r));
      long here = IntStream.range(0, perm.length).filter(c -> perm[c] != c).count();
      if (here > 0) {
        apply(regions.get(r), perm);
        moved += here;
        reordered++;
      }
    }
    ctx.stat("producers-reordered", reordered);
    ctx.stat("channels-moved", moved);
    return PassResult.of(reordered > 0);
  }

  /** The region after {@code producer}, when it is closed: every use is channel-wise or a reader's data input. */
  private Optional<Region> region(Node producer, Users users) {
    Optional<LayerAxes> pax = LayerAxes.of(producer);
    Optional<Tensor> pw = fp32Constant(g, producer, 1);
    if (pax.isEmpty() || pw.isEmpty() || is(producer, "Conv") && intAttr(producer, "group") != 1 || producer.inputs().size() > 2 && !biasIsPerChannel(producer, pw.get().dim(pax.get().weightChannel()))) {
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
        Optional<Integer> axis = passesChannels(n, axes, channels);
        if (axis.isEmpty()) {
          return Optional.empty();
        }
        axes.put(n.output(0), axis.get());
      } else if (readers.contains(n) && !isReader(n, n.inputs().get(0), axes.getOrDefault(n.inputs().get(0), 0), channels)) {
        return Optional.empty();
      }
    }
    return readers.isEmpty() ? Optional.empty() : Optional.of(new Region(producer, channels, List.copyOf(ops), axes, List.copyOf(readers)));
  }

  private boolean biasIsPerChannel(Node producer, int channels) {
    Optional<Tensor> b = fp32Constant(g, producer, 2);
    return b.isPresent() && b.get().rank() == 1 && b.get().dim(0) == channels;
  }

  /** A layer that reduces over the region's channels: its data input is {@code v} and its weight an fp32 constant. */
  private boolean isReader(Node u, Value v, int axis, int channels) {
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
  private Optional<Integer> passesChannels(Node u, Map<Value, Integer> axes, int channels) {
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
  private static int constantAxis(Tensor t, int axis, int channels) {
    int d = t.rank() + axis;
    if (d < 0 || t.dim(d) == 1) {
      return -1;
    }
    return t.dim(d) == channels ? d : -2;
  }

  private List<float[]> activationKeys(List<Region> regions, PassContext ctx) {
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException("by=activations needs calibration data (qcc opt --calibration DATASET), or use by=weights"));
    Map<Value, Region> watched = new IdentityHashMap<>();
    for (Region r : regions) {
      r.readers().forEach(u -> watched.put(u.inputs().get(0), r));
    }
    Map<Region, float[]> keys = new IdentityHashMap<>();
    regions.forEach(r -> keys.put(r, new float[r.channels()]));
    Interpreter interpreter = new Interpreter(g);
    int samples = Math.min(o.get(IMAGES), data.count());
    data.forEachBatch(
        samples,
        64,
        batch ->
            interpreter.run(
                batch,
                (v, t) -> {
                  Region r = watched.get(v);
                  if (r != null) {
                    channelMax(((FloatTensor) t).data(), t.shape(), t.rank() + r.axes().get(v), keys.get(r));
                  }
                }));
    return regions.stream().map(keys::get).toList();
  }

  private List<float[]> weightKeys(List<Region> regions) {
    List<float[]> out = new ArrayList<>();
    for (Region r : regions) {
      float[] key = new float[r.channels()];
      for (Node u : r.readers()) {
        Tensor w = g.constant(u.inputs().get(1));
        channelMax(((FloatTensor) w).data(), w.shape(), LayerAxes.of(u).orElseThrow().weightReduction(), key);
      }
      out.add(key);
    }
    return out;
  }

  private static void channelMax(float[] x, int[] shape, int axis, float[] key) {
    AxisView v = AxisView.of(shape, axis, "channel axis");
    for (int i = 0; i < x.length; i++) {
      int c = (i / v.inner()) % v.length();
      key[c] = Math.max(key[c], Math.abs(x[i]));
    }
  }

  /** Channel indices by descending key; equal keys keep their order. */
  private static int[] descending(float[] key) {
    Integer[] idx = new Integer[key.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Float.compare(key[b], key[a]));
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  private void apply(Region r, int[] perm) {
    LayerAxes pax = LayerAxes.of(r.producer()).orElseThrow();
    permuteInput(r.producer(), 1, pax.weightChannel(), perm);
    if (r.producer().inputs().size() > 2 && r.producer().inputs().get(2) != null) {
      permuteInput(r.producer(), 2, 0, perm);
    }
    for (Node op : r.ops()) {
      int axis = op.inputs().stream().filter(r.axes()::containsKey).map(r.axes()::get).findFirst().orElseThrow();
      for (int i = 0; i < op.inputs().size(); i++) {
        Value in = op.inputs().get(i);
        if (in != null && g.isConstant(in)) {
          int d = constantAxis(g.constant(in), axis, r.channels());
          if (d >= 0) {
            permuteInput(op, i, d, perm);
          }
        }
      }
    }
    for (Node u : r.readers()) {
      permuteInput(u, 1, LayerAxes.of(u).orElseThrow().weightReduction(), perm);
    }
  }

  /** Gives {@code n} a copy of its constant input {@code i} with index c of {@code axis} taken from perm[c]. */
  private void permuteInput(Node n, int i, int axis, int[] perm) {
    Value in = n.inputs().get(i);
    FloatTensor t = (FloatTensor) g.constant(in);
    AxisView v = AxisView.of(t.shape(), axis, "channel axis");
    float[] src = t.data();
    float[] dst = new float[src.length];
    for (int outer = 0; outer < v.outer(); outer++) {
      for (int c = 0; c < v.length(); c++) {
        System.arraycopy(src, (outer * v.length() + perm[c]) * v.inner(), dst, (outer * v.length() + c) * v.inner(), v.inner());
      }
    }
    GraphEdits.replaceConstantInput(g, n, i, new FloatTensor(t.format(), t.shape(), dst));
  }
}
