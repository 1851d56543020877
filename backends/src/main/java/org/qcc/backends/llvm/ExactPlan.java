// How a layer with an integer accumulator is lowered: codes in fp32, exact sums, one requantizing FMA.
package org.qcc.backends.llvm;

import java.util.Optional;
import org.qcc.ir.ops.ExactLayer;

/**
 * The LLVM side of {@link ExactLayer}. Data codes are recovered from the fake-quantized fp32
 * values as {@code roundeven(q / step)} with {@code step = dataScale * 2^lsb}: the quotient is
 * within |code| * 2^-23 of the code, so codes below 2^22 come back exactly. Weight codes are
 * constants. Sums of up to 25 bits (int8 and narrower integers) are integers that fp32 holds
 * exactly, so the register-tiled fp32 GEMM sums the codes without rounding in any order; up to 54
 * bits (minifloats such as E4M3) the codes and sums are doubles, exact the same way, and a product
 * with an infinity or NaN code sums by IEEE rules, as the golden model defines. The epilogue
 * rounds the sum to fp32 once and applies {@code fma(S, M[c], bias[c])}.
 */
record ExactPlan(ExactLayer layer, float step, String multipliers) {
  /** The widest exact accumulator fp32 arithmetic holds: every integer below 2^24 in magnitude. */
  static final int FP32_ACCUMULATOR_BITS = 25;

  /** The same for doubles: every integer below 2^53. */
  static final int FP64_ACCUMULATOR_BITS = 54;

  private static final double MAX_CODE = 1 << 22;

  /** The plan for {@code c}'s layer with {@code channels} output channels; empty when its accumulator is fp32. */
  static Optional<ExactPlan> of(LayerContext c, int channels) {
    if (c.exact().isEmpty()) {
      return Optional.empty();
    }
    ExactLayer e = c.exact().get();
    if (e.accumulator().bits() > FP64_ACCUMULATOR_BITS) {
      throw c.fail(
          "the LLVM backend accumulates integer codes exactly in doubles, up to " + FP64_ACCUMULATOR_BITS + " bits; this layer's " + e.dataFormat().name() + " x "
              + e.weightFormat().name() + " products need " + e.accumulator().formatName());
    }
    if (Math.scalb(e.dataFormat().maxValue(), -e.dataLsb()) >= MAX_CODE || -Math.scalb(e.dataFormat().minValue(), -e.dataLsb()) >= MAX_CODE) {
      throw c.fail("codes of " + e.dataFormat().name() + " reach 2^22, beyond exact recovery from fp32");
    }
    float[] m = new float[channels];
    for (int ch = 0; ch < channels; ch++) {
      m[ch] = e.multiplier(ch);
    }
    return Optional.of(new ExactPlan(e, Math.scalb(e.dataScale(), e.dataLsb()), c.global(m)));
  }

  /** The type codes and sums are held in: {@code float} up to 25 bits, else {@code double}. */
  String elem() {
    return layer.accumulator().bits() > FP32_ACCUMULATOR_BITS ? "double" : "float";
  }

  /** Floats of scratch one code takes. */
  int floatsPerCode() {
    return elem().equals("double") ? 2 : 1;
  }

  /** A global holding codes in {@link #elem()}. */
  String global(LayerContext c, float[] codes) {
    if (elem().equals("float")) {
      return c.global(codes);
    }
    double[] d = new double[codes.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = codes[i];
    }
    return c.global(d);
  }

  /** A finished sum of {@code elem} rounded to float (once, for a double). */
  static String toFloat(IrFunction f, String elem, String sum) {
    return elem.equals("float") ? sum : f.let("fptrunc double " + sum + " to float");
  }

  /** The code of a fake-quantized fp32 value {@code q} (scalar IR operand), in {@link #elem()}. */
  String code(IrFunction f, String q) {
    String code = f.let("call float @llvm.roundeven.f32(float " + f.let("fdiv float " + q + ", " + Ir.f32(step)) + ")");
    return elem().equals("float") ? code : f.let("fpext float " + code + " to double");
  }
}
