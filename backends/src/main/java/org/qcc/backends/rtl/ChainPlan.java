// A quantized chain of fully-connected layers as the dataflow hardware runs it, and the host's two ends.
package org.qcc.backends.rtl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.backends.BackendException;
import org.qcc.backends.ConstantValues;
import org.qcc.hw.ChainLayer;
import org.qcc.hw.ChannelThresholds;
import org.qcc.hw.NmSparsity;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.ir.ops.SparseWeight;

/**
 * A graph of the form {@code [Flatten ->] FakeQuant -> (Gemm|MatMul [-> Relu] -> FakeQuant ->)*
 * Gemm|MatMul [-> Relu]}, every layer with an integer {@code qcc.acc} and a dense or N:M sparse
 * weight (sparse along its inputs), lowered to the hardware's layer chain: each layer's weight
 * codes (output channels as rows) and kept mask, its folding, and the thresholds that
 * requantize its sums into the next layer's codes exactly as the golden model does. The host
 * quantizes the input ({@link #inputCodes}) and turns the last layer's exact sums into outputs
 * ({@link #output}), both with the golden model's arithmetic.
 */
public final class ChainPlan {
  /** N:M sparsity along a layer's inputs: {@code kept[row][col]} marks the n kept weights of every m. */
  public record Sparsity(int n, int m, boolean[][] kept) {}

  /**
   * One layer: its arithmetic, weight codes [rows][cols], its sparsity (null when dense), folding,
   * and the requantization into the next layer (null for the last).
   */
  public record Layer(Node node, ExactLayer exact, float[] bias, boolean relu, int[][] weights, Sparsity sparsity, int pe, int simd, List<Thresholds> thresholds, ScalarFormat next) {
    public int rows() {
      return weights.length;
    }

    public int cols() {
      return weights[0].length;
    }

    /** Multipliers per cycle: PE x SIMD, times n/m when sparse. */
    public long multipliers() {
      return sparsity == null ? (long) pe * simd : (long) pe * simd / sparsity.m() * sparsity.n();
    }

    Layer folded(int pe, int simd) {
      return new Layer(node, exact, bias, relu, weights, sparsity, pe, simd, thresholds, next);
    }
  }

  private final FakeQuantSpec input;
  private final float inputScale;
  private final List<Layer> layers;

  private ChainPlan(FakeQuantSpec input, float inputScale, List<Layer> layers) {
    this.input = input;
    this.inputScale = inputScale;
    this.layers = layers;
  }

  public List<Layer> layers() {
    return layers;
  }

  /**
   * Lowers {@code g}. Each layer's PE is the largest divisor of its rows up to {@code maxPe}; the
   * first layer's SIMD the largest divisor of its columns up to {@code maxSimd}; every later SIMD
   * is the previous PE, so a threshold unit's output beat is the next layer's input beat.
   */
  public static ChainPlan of(Graph g, int maxPe, int maxSimd) {
    return of(g, maxPe, maxSimd, 0);
  }

  /**
   * Lowers {@code g} folded to meet {@code targetCycles} per image (0: as fast as {@code maxPe} and
   * {@code maxSimd} allow, as above): every layer's PE and SIMD divide its rows and columns, stay
   * within the limits, and the chain takes the fewest multipliers with which every layer needs at
   * most the target's cycles per image.
   */
  public static ChainPlan of(Graph g, int maxPe, int maxSimd, long targetCycles) {
    if (g.inputs().size() != 1 || g.outputs().size() != 1) {
      throw new BackendException("the hardware chain takes a graph with one input and one output");
    }
    Map<Value, Tensor> constants = ConstantValues.evaluate(g);
    Node quant = only(g, g.inputs().get(0), "the input");
    if (quant.qualifiedOp().equals("Flatten") && quant.attribute("axis").map(a -> ((Attribute.Int) a).value()).orElse(1L) == 1L) {
      // The host hands over images flattened row-major, which is Flatten's order.
      quant = only(g, quant.output(0), "the flattened input");
    }
    if (!FakeQuantSpec.isFakeQuant(quant)) {
      throw BackendException.at(quant, "the hardware chain starts with the input's qcc.FakeQuant (run quantize and calibrate)");
    }
    FakeQuantSpec inputSpec = spec(quant);
    float inputScale = (float) constants.get(quant.inputs().get(1)).getDouble(0);
    List<Layer> layers = new ArrayList<>();
    while (true) {
      Node layer = only(g, quant.output(0), "quantized data");
      Optional<ExactLayer> exact;
      try {
        exact = layer.opType().equals("Gemm") || layer.opType().equals("MatMul") ? ExactLayer.of(layer, g) : Optional.empty();
      } catch (IllegalArgumentException e) {
        throw BackendException.at(layer, e.getMessage());
      }
      if (exact.isEmpty() || layer.inputs().get(0) != quant.output(0)) {
        throw BackendException.at(layer, "the hardware chain takes Gemm or MatMul layers with an integer qcc.acc (run accumulators) on quantized data");
      }
      Value y = layer.output(0);
      boolean relu = false;
      Node after = y == g.outputs().get(0) ? null : only(g, y, "a layer's output");
      if (after != null && after.qualifiedOp().equals("Relu")) {
        relu = true;
        y = after.output(0);
        after = y == g.outputs().get(0) ? null : only(g, y, "a ReLU's output");
      }
      int[][] weights = weightCodes(layer, exact.get(), constants);
      Sparsity sparsity = sparsity(layer, g, weights.length, weights[0].length);
      float[] bias = bias(layer, constants, weights.length);
      if (after == null) {
        layers.add(new Layer(layer, exact.get(), bias, relu, weights, sparsity, 0, 0, null, null));
        return new ChainPlan(inputSpec, inputScale, targetCycles > 0 ? foldFor(layers, maxPe, maxSimd, targetCycles) : foldFastest(layers, maxPe, maxSimd));
      }
      if (!FakeQuantSpec.isFakeQuant(after)) {
        throw BackendException.at(after, "the hardware chain needs the next layer's qcc.FakeQuant here");
      }
      FakeQuantSpec nextSpec = spec(after);
      ScalarFormat next = (ScalarFormat) nextSpec.format();
      float scale = (float) constants.get(after.inputs().get(1)).getDouble(0);
      int[] codes = Thresholds.codesByValue(next);
      List<Thresholds> thresholds = new ArrayList<>();
      for (int c = 0; c < weights.length; c++) {
        int channel = c;
        boolean withRelu = relu;
        thresholds.add(Thresholds.of(sum -> next.encode(requantize(exact.get(), bias, withRelu, channel, sum) / (double) scale, nextSpec.rounding(), 0), codes, exact.get().accumulator()));
      }
      layers.add(new Layer(layer, exact.get(), bias, relu, weights, sparsity, 0, 0, thresholds, next));
      quant = after;
    }
  }

  /** The codes of one image's input, as the input quantizer rounds it. */
  public int[] inputCodes(float[] image) {
    ScalarFormat f = (ScalarFormat) input.format();
    int[] codes = new int[image.length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = f.encode(image[i] / (double) inputScale, input.rounding(), 0);
    }
    return codes;
  }

  /** Output channel {@code c} of the last layer from its rounded sum (the sum, or NaN or an infinity for a special). */
  public float output(int c, float sum) {
    Layer last = layers.get(layers.size() - 1);
    return requantize(last.exact(), last.bias(), last.relu(), c, sum);
  }

  /** The layer chain for the generators. */
  public ChainLayer[] hardware() {
    ChainLayer[] out = new ChainLayer[layers.size()];
    for (int i = 0; i < out.length; i++) {
      Layer l = layers.get(i);
      ExactLayer e = l.exact();
      ChannelThresholds[] t = l.thresholds() == null ? null : l.thresholds().stream().map(Thresholds::hardware).toArray(ChannelThresholds[]::new);
      int[] codes = l.next() == null ? null : Thresholds.codesByValue(l.next());
      NmSparsity sparsity = l.sparsity() == null ? null : NmSparsity.of(l.sparsity().n(), l.sparsity().m(), l.sparsity().kept());
      out[i] = new ChainLayer(HwFormats.codes(e.dataFormat()), HwFormats.codes(e.weightFormat()), l.weights(), l.pe(), l.simd(), e.accumulator().bits(), t, codes, l.next() == null ? 0 : l.next().bits(), sparsity);
    }
    return out;
  }

  /** The golden model's layer output from a rounded sum: fma with the channel's multiplier and bias, then ReLU (NaN stays, -0 becomes +0). */
  private static float requantize(ExactLayer e, float[] bias, boolean relu, int c, float sum) {
    float y = e.requantize(sum, c, bias == null ? 0f : bias[c], bias != null);
    return relu ? (y > 0 || Float.isNaN(y) ? y : 0f) : y;
  }

  /** Weight codes with output channels as rows, from the dequantized constant weight. */
  private static int[][] weightCodes(Node layer, ExactLayer e, Map<Value, Tensor> constants) {
    Tensor w = constants.get(layer.inputs().get(1));
    if (w == null || w.rank() != 2) {
      throw BackendException.at(layer, "the hardware chain needs a constant 2-d weight");
    }
    int axis = ExactLayer.weightChannelAxis(layer);
    int rows = w.shape()[axis];
    int cols = w.shape()[1 - axis];
    int[][] codes = new int[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        float q = (float) w.getDouble(axis == 0 ? r * cols + k : k * rows + r);
        float grid = e.weightCode(q, r);
        codes[r][k] = e.weightFormat().encode(Math.scalb((double) grid, e.weightLsb()), Rounding.NEAREST_EVEN, 0);
      }
    }
    return codes;
  }

  /** Each layer's PE the largest up to {@code maxPe}; the first SIMD the largest up to {@code maxSimd}, every later one the previous PE. */
  private static List<Layer> foldFastest(List<Layer> layers, int maxPe, int maxSimd) {
    List<Layer> out = new ArrayList<>();
    int simd = 0;
    for (Layer l : layers) {
      int m = l.sparsity() == null ? 1 : l.sparsity().m();
      if (out.isEmpty()) {
        simd = largestDivisor(l.cols(), maxSimd, m);
        if (l.cols() % simd != 0 || simd % m != 0) {
          throw BackendException.at(l.node(), "its " + l.sparsity().n() + ":" + m + " sparse weights need a SIMD up to --simd " + maxSimd + " that divides its " + l.cols() + " inputs and is a multiple of " + m);
        }
      }
      if (l.cols() % simd != 0) {
        throw BackendException.at(l.node(), "its " + l.cols() + " inputs are not a multiple of the previous layer's PE " + simd);
      }
      if (simd % m != 0) {
        throw BackendException.at(l.node(), "its " + l.sparsity().n() + ":" + m + " sparse weights need a SIMD that is a multiple of " + m + ", the previous layer's PE is " + simd + " (choose --pe)");
      }
      int pe = largestDivisor(l.rows(), maxPe, 1);
      out.add(l.folded(pe, simd));
      simd = pe;
    }
    return out;
  }

  /**
   * The folding with the fewest multipliers in which every layer takes at most {@code target}
   * cycles per image: for each layer and the SIMD the previous PE gives it, the cheapest choice of
   * its PE and everything after it, found once per (layer, SIMD).
   */
  private static List<Layer> foldFor(List<Layer> layers, int maxPe, int maxSimd, long target) {
    Map<Long, long[]> memo = new java.util.HashMap<>();
    long best = Long.MAX_VALUE;
    int bestSimd = 0;
    Layer first = layers.get(0);
    for (int simd : divisors(first.cols(), maxSimd)) {
      long cost = cheapest(layers, 0, simd, maxPe, target, memo)[0];
      if (cost < best) {
        best = cost;
        bestSimd = simd;
      }
    }
    if (best == Long.MAX_VALUE) {
      throw new BackendException("no folding with PE up to --pe " + maxPe + " and SIMD up to --simd " + maxSimd + " brings every layer to " + target + " cycles per image (raise them, or the target)");
    }
    List<Layer> out = new ArrayList<>();
    int simd = bestSimd;
    for (int i = 0; i < layers.size(); i++) {
      int pe = (int) cheapest(layers, i, simd, maxPe, target, memo)[1];
      out.add(layers.get(i).folded(pe, simd));
      simd = pe;
    }
    return out;
  }

  /** {cost, PE} of the cheapest folding of layers {@code i} on when layer i's SIMD is {@code simd}; cost MAX_VALUE when none meets the target. */
  private static long[] cheapest(List<Layer> layers, int i, int simd, int maxPe, long target, Map<Long, long[]> memo) {
    if (i == layers.size()) {
      return new long[] {0, 0};
    }
    long key = (long) i << 32 | simd;
    long[] known = memo.get(key);
    if (known != null) {
      return known;
    }
    Layer l = layers.get(i);
    int m = l.sparsity() == null ? 1 : l.sparsity().m();
    long[] best = {Long.MAX_VALUE, 0};
    if (l.cols() % simd == 0 && simd % m == 0) {
      for (int pe : divisors(l.rows(), maxPe)) {
        if ((long) (l.rows() / pe) * (l.cols() / simd) > target) {
          continue;
        }
        long rest = cheapest(layers, i + 1, pe, maxPe, target, memo)[0];
        long cost = l.folded(pe, simd).multipliers();
        if (rest != Long.MAX_VALUE && cost + rest < best[0]) {
          best = new long[] {cost + rest, pe};
        }
      }
    }
    memo.put(key, best);
    return best;
  }

  private static List<Integer> divisors(int n, int most) {
    List<Integer> out = new ArrayList<>();
    for (int d = 1; d <= Math.min(n, most); d++) {
      if (n % d == 0) {
        out.add(d);
      }
    }
    return out;
  }

  /** The layer's N:M sparsity from the qcc.Densify producing its weight, with output channels as rows; null when dense. */
  private static Sparsity sparsity(Node layer, Graph g, int rows, int cols) {
    Optional<SparseWeight> sparse;
    try {
      sparse = SparseWeight.of(layer, g);
    } catch (IllegalArgumentException e) {
      throw BackendException.at(layer, e.getMessage());
    }
    if (sparse.isEmpty()) {
      return null;
    }
    int axis = ExactLayer.weightChannelAxis(layer);
    if (sparse.get().axis() != 1 - axis) {
      throw BackendException.at(layer, "the hardware chain takes N:M sparsity along a layer's inputs, this weight's groups run along its outputs");
    }
    boolean[] flat = sparse.get().kept();
    boolean[][] kept = new boolean[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        kept[r][k] = flat[axis == 0 ? r * cols + k : k * rows + r];
      }
    }
    return new Sparsity(sparse.get().n(), sparse.get().m(), kept);
  }

  private static float[] bias(Node layer, Map<Value, Tensor> constants, int rows) {
    if (!layer.opType().equals("Gemm") || layer.inputs().size() < 3 || layer.inputs().get(2) == null) {
      return null;
    }
    // As the interpreter: beta times each bias value in fp32, and no bias at all when beta is 0.
    Tensor b = constants.get(layer.inputs().get(2));
    if (b == null || b.size() != rows) {
      throw BackendException.at(layer, "the hardware chain needs a constant bias with one value per output");
    }
    float beta = layer.attribute("beta").map(a -> ((Attribute.Float) a).value()).orElse(1f);
    if (beta == 0f) {
      return null;
    }
    float[] out = new float[rows];
    for (int i = 0; i < rows; i++) {
      out[i] = (float) b.getDouble(i) * beta;
    }
    return out;
  }

  private static FakeQuantSpec spec(Node quant) {
    FakeQuantSpec s = FakeQuantSpec.of(quant);
    if (s.isBlock() || !(s.format() instanceof ScalarFormat) || s.rounding() == Rounding.STOCHASTIC) {
      throw BackendException.at(quant, "the hardware chain takes scalar formats rounded deterministically");
    }
    return s;
  }

  /** The single node reading {@code v}. */
  private static Node only(Graph g, Value v, String what) {
    List<Node> readers = g.nodes().stream().filter(n -> n.inputs().contains(v)).toList();
    if (readers.size() != 1) {
      throw new BackendException("the hardware chain needs " + what + " ('" + v.name() + "') read by exactly one node, found " + readers.size());
    }
    return readers.get(0);
  }

  /** The largest divisor of {@code n} up to {@code most} that is a multiple of {@code step}, else {@code step} (which the caller then refuses when it does not divide). */
  private static int largestDivisor(int n, int most, int step) {
    for (int d = Math.min(n, most) / step * step; d > step; d -= step) {
      if (n % d == 0) {
        return d;
      }
    }
    return step;
  }
}
