// The arithmetic of a layer with an integer accumulator, shared by the golden model and the backends.
package org.qcc.ir.ops;

import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A Conv, Gemm or MatMul whose {@code qcc.acc} is an integer accumulator and whose operands come
 * from {@code qcc.FakeQuant} nodes (directly, or the weight through a {@code qcc.Densify})
 * computes every output as
 *
 * <pre>  y = fma(fp32(S), M[c], bias[c])      (y = fp32(S) * M[c] without a bias)</pre>
 *
 * where S is the exact dot product of the two operands' codes on their formats' integer grids (a
 * value v of a format with finest step 2^e has code v / 2^e), fp32(S) rounds it once to
 * nearest-even, and the multiplier of output channel c is {@code M[c] = ((dataScale * weightScale[c])
 * * 2^lsb) * alpha}, each step in fp32. This is what an integer accelerator computes: integer
 * multiply-accumulate, one conversion, one requantizing multiply; and any backend reproduces it bit
 * for bit whatever order it sums in. A product involving an infinity or NaN (minifloats with
 * specials) makes S the IEEE sum of the products instead. A dense constant weight in a block
 * format whose steps are powers of two (BFP, OCP MX) has its block scales folded into its codes:
 * its codes are integers ({@link BlockWeight#codeFormat}) at the weight scale 2^lsb of its
 * finest block's grid ({@link BlockWeight}).
 *
 * <p>Codes are recovered from the dequantized values the quantizers produce, {@code q = fp32(v *
 * s)}: that map is one-to-one while {@code s * 2^e} and {@code s * max} stay inside fp32's normal
 * range. Where a scale leaves that range, or the accumulator needs more than 64 bits, the layer
 * instead accumulates the dequantized values in fp32 like any other ({@link #of} is empty).
 */
public record ExactLayer(
    ScalarFormat dataFormat, int dataLsb, float dataScale, ScalarFormat weightFormat, int weightLsb, float[] weightScales, Accumulator accumulator, float[] multipliers) {

  /** The attribute that names a layer's accumulator: {@code intN} for this arithmetic, {@code fp32} for fused multiply-adds of the dequantized values. */
  public static final String ACC = "qcc.acc";

  /** The layer's exact arithmetic when {@code qcc.acc} names an integer accumulator; empty otherwise. */
  public static Optional<ExactLayer> of(Node n, Graph g) {
    Optional<Attribute> acc = n.attribute(ACC);
    if (acc.isEmpty() || !(acc.get() instanceof Attribute.Str s) || !s.value().startsWith("int")) {
      return Optional.empty();
    }
    int channelAxis = weightChannelAxis(n);
    Node dataQuant = n.inputs().get(0).producer();
    Node weightQuant = weightBeforeDensify(n.inputs().get(1)).producer();
    if (!FakeQuantSpec.isFakeQuant(dataQuant) || !FakeQuantSpec.isFakeQuant(weightQuant)) {
      // Other quantizers (QONNX Quant read from a file) keep their own float semantics.
      return Optional.empty();
    }
    FakeQuantSpec x = FakeQuantSpec.of(dataQuant);
    FakeQuantSpec w = FakeQuantSpec.of(weightQuant);
    if (x.isBlock() || !(x.granularity() instanceof Granularity.PerTensor)) {
      throw new IllegalArgumentException("qcc.acc = " + s.value() + " needs a per-tensor data quantizer");
    }
    float[] xs = scales(g, dataQuant);
    ScalarFormat xf = (ScalarFormat) x.format();
    int xl = Accumulator.lsbExponent(xf);
    int bits = Integer.parseInt(s.value().substring(3));
    float[] ws;
    ScalarFormat wf;
    int wl;
    if (w.isBlock()) {
      // Block scales fold into the codes: integers scaled by the grid's one power of two.
      BlockWeight b = BlockWeight.of(g, weightQuant)
          .filter(unused -> n.inputs().get(1) == weightQuant.output(0))
          .orElseThrow(() -> new IllegalArgumentException("qcc.acc = " + s.value() + " on a block-format weight needs a dense constant weight whose block steps are powers of two (BFP, MX)"));
      ws = new float[] {Math.scalb(1f, b.lsb())};
      wf = b.codeFormat();
      wl = 0;
      // Passes after quantize (GPTQ, learned rounding) may have rewritten the weight since its width was recorded.
      bits = Math.max(bits, b.accumulator(xf, channelAxis).map(Accumulator::bits).orElse(Integer.MAX_VALUE));
    } else {
      ws = scales(g, weightQuant);
      boolean perChannel = w.granularity() instanceof Granularity.PerChannel c && c.axis() == channelAxis;
      if (!perChannel && !(w.granularity() instanceof Granularity.PerTensor)) {
        throw new IllegalArgumentException("qcc.acc = " + s.value() + " needs weight scales per tensor or per output channel, got " + w.granularity());
      }
      wf = (ScalarFormat) w.format();
      wl = Accumulator.lsbExponent(wf);
    }
    if (bits > Long.SIZE || !recoverable(xf, xl, xs) || !recoverable(wf, wl, ws)) {
      return Optional.empty();
    }
    float alpha = n.opType().equals("Gemm") ? n.attribute("alpha").map(a -> ((Attribute.Float) a).value()).orElse(1f) : 1f;
    float[] m = new float[ws.length];
    for (int c = 0; c < m.length; c++) {
      m[c] = Math.scalb(xs[0] * ws[c], xl + wl);
      m[c] = alpha == 1f ? m[c] : m[c] * alpha;
    }
    return Optional.of(new ExactLayer(xf, xl, xs[0], wf, wl, ws, new Accumulator(bits, xl + wl), m));
  }

  /** The axis of a layer's weight that indexes output channels. */
  public static int weightChannelAxis(Node n) {
    return switch (n.opType()) {
      case "Conv" -> 0;
      case "Gemm" -> n.attribute("transB").map(a -> ((Attribute.Int) a).value()).orElse(0L) != 0 ? 0 : 1;
      case "MatMul" -> 1;
      default -> throw new IllegalArgumentException("qcc.acc on " + n.qualifiedOp() + ", which is not a Conv, Gemm or MatMul");
    };
  }

  /** The weight quantizer's scale for output channel {@code c}. */
  public float weightScale(int c) {
    return weightScales[weightScales.length == 1 ? 0 : c];
  }

  /** The multiplier of output channel {@code c}. */
  public float multiplier(int c) {
    return multipliers[multipliers.length == 1 ? 0 : c];
  }

  /** The layer's output from the rounded sum {@code s} of output channel {@code channel}: {@code fma(s, M[c], bias)}, or {@code s * M[c]} without a bias. */
  public float requantize(float s, int channel, float bias, boolean hasBias) {
    float m = multiplier(channel);
    return hasBias ? Math.fma(s, m, bias) : s * m;
  }

  /** The code of a dequantized data value, as a float (exact: codes stay below 2^24); infinities and NaN pass through. */
  public float dataCode(float q) {
    return code(q, dataScale, dataLsb, dataFormat);
  }

  /** The code of a dequantized weight of output channel {@code c}, as {@link #dataCode}. */
  public float weightCode(float q, int c) {
    return code(q, weightScale(c), weightLsb, weightFormat);
  }

  /** The codes of a dequantized data tensor, as {@link #dataCode}. */
  public float[] dataCodes(float[] x) {
    float[] c = new float[x.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = dataCode(x[i]);
    }
    return c;
  }

  /** The codes of a dequantized weight tensor of {@code shape} whose output channels run along {@code axis}. */
  public float[] weightCodes(float[] w, int[] shape, int axis) {
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    float[] c = new float[w.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = weightCode(w[i], i / inner % shape[axis]);
    }
    return c;
  }

  /** Whether the accumulator needs more than 32 bits. */
  public boolean wide() {
    return accumulator.bits() > 32;
  }

  private static float code(float q, float scale, int lsb, ScalarFormat f) {
    if (!Float.isFinite(q)) {
      return q;
    }
    double c = Math.rint(Math.scalb(q / (double) scale, -lsb));
    if (Math.scalb((float) c, lsb) * scale != q) {
      throw new IllegalArgumentException(q + " is not a dequantized " + f.name() + " value at scale " + scale);
    }
    return (float) c + 0f;
  }

  private static boolean recoverable(ScalarFormat f, int lsb, float[] scales) {
    for (float s : scales) {
      if (!(Math.scalb((double) s, lsb) >= Float.MIN_NORMAL) || !(s * (double) f.maxValue() <= Float.MAX_VALUE)) {
        return false;
      }
    }
    return true;
  }

  /** The weight as its quantizer produced it: before the qcc.Densify that scatters an N:M sparse weight, if any. */
  public static Value weightBeforeDensify(Value w) {
    Node p = w.producer();
    return p != null && p.qualifiedOp().equals("qcc.Densify") ? p.inputs().get(0) : w;
  }

  private static float[] scales(Graph g, Node quant) {
    Value v = quant.inputs().get(1);
    Tensor t = g.constants().get(v);
    if (t == null) {
      throw new IllegalArgumentException("the scale '" + v.name() + "' of an integer-accumulating layer's quantizer is not a constant");
    }
    float[] s = new float[t.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = (float) t.getDouble(i);
      if (!(s[i] > 0) || Float.isInfinite(s[i])) {
        throw new IllegalArgumentException("scale '" + v.name() + "' holds " + s[i] + "; run calibrate after quantize");
      }
    }
    return s;
  }
}
