// reorder-channels: permute the channels between two layers so outlier channels share blocks.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;

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

  private final Graph g;
  private final PassOptions o;

  private ReorderChannels(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<ChannelRegion> regions = ChannelRegion.all(g, ctx.get(Users.ANALYSIS), o.get(EXCLUDE));
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

  private List<float[]> activationKeys(List<ChannelRegion> regions, PassContext ctx) {
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException("by=activations needs calibration data (qcc opt --calibration DATASET), or use by=weights"));
    Map<Value, Integer> axes = new IdentityHashMap<>();
    regions.forEach(r -> r.readers().forEach(u -> axes.put(u.inputs().get(0), r.axes().get(u.inputs().get(0)))));
    Map<Value, float[]> max = ChannelRegion.activationMaxima(g, data, Math.min(o.get(IMAGES), data.count()), axes);
    List<float[]> keys = new ArrayList<>();
    for (ChannelRegion r : regions) {
      float[] key = new float[r.channels()];
      for (Node u : r.readers()) {
        float[] m = max.get(u.inputs().get(0));
        for (int c = 0; c < key.length; c++) {
          key[c] = Math.max(key[c], m[c]);
        }
      }
      keys.add(key);
    }
    return keys;
  }


  private List<float[]> weightKeys(List<ChannelRegion> regions) {
    List<float[]> out = new ArrayList<>();
    for (ChannelRegion r : regions) {
      float[] key = new float[r.channels()];
      for (Node u : r.readers()) {
        Tensor w = g.constant(u.inputs().get(1));
        ChannelRegion.channelMax(((FloatTensor) w).data(), w.shape(), LayerAxes.of(u).orElseThrow().weightReduction(), key);
      }
      out.add(key);
    }
    return out;
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

  private void apply(ChannelRegion r, int[] perm) {
    r.forEachConstant(g, (n, input, axis, role) -> permuteInput(n, input, axis, perm));
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
