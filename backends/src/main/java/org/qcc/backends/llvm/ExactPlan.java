// How a layer with an integer accumulator is lowered: codes in fp32, exact sums, one requantizing FMA.
package org.qcc.backends.llvm;

import java.util.Optional;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.ExactLayer;

/**
 * The LLVM side of {@link ExactLayer}. Data codes are recovered from the fake-quantized fp32
 * values as {@code roundeven(q / step)} with {@code step = dataScale * 2^lsb}: the quotient is
 * within |code| * 2^-23 of the code, so codes below 2^22 come back exactly. Weight codes are
 * constants. Sums of up to 25 bits (int8 and narrower integers) are integers that fp32 holds
 * exactly, so the register-tiled fp32 GEMM sums the codes without rounding in any order; up to 54
 * bits (minifloats such as E4M3) the codes and sums are doubles, exact the same way, and a product
 * with an infinity or NaN code sums by IEEE rules, as the golden model defines. On the CPU, codes
 * of at most 16 bits without infinities or NaN and sums of at most 32 bits (int8, uint8, int4) multiply as 16-bit
 * integers into 32-bit sums instead ({@link #gemmElem}). The epilogue rounds the sum to fp32 once
 * and applies {@code fma(S, M[c], bias[c])}.
 */
record ExactPlan(ExactLayer layer, float step, String multipliers) {
  /** The widest exact accumulator fp32 arithmetic holds: every integer below 2^24 in magnitude. */
  static final int FP32_ACCUMULATOR_BITS = 25;

  /** The same for doubles: every integer below 2^53. */
  static final int FP64_ACCUMULATOR_BITS = 54;

  private static final double MAX_CODE = 1 << 22;

  /** The largest code magnitude of the 16-bit path: pairs of products then fit in 32 bits. */
  private static final double MAX_I16_CODE = Short.MAX_VALUE;

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

  /** The floating-point type codes and sums are held in, on any target: {@code float} up to 25 bits, else {@code double}. */
  ElemType elem() {
    return layer.accumulator().bits() > FP32_ACCUMULATOR_BITS ? ElemType.DOUBLE : ElemType.FLOAT;
  }

  /** The type the CPU's GEMM multiplies codes in: 16-bit integers where codes and sums fit, else {@link #elem()}. */
  ElemType gemmElem() {
    boolean fits =
        layer.accumulator().bits() <= 32
            && fitsInt16(layer.dataFormat(), layer.dataLsb())
            && fitsInt16(layer.weightFormat(), layer.weightLsb());
    return fits ? ElemType.I16 : elem();
  }

  /** Every code of {@code format} is finite and within ±32767 on the grid of step 2^lsb. */
  private static boolean fitsInt16(ScalarFormat format, int lsb) {
    if (format.bits() > 16) {
      return false;
    }
    for (int code = 0; code < format.codeCount(); code++) {
      float v = format.decode(code);
      if (!Float.isFinite(v) || Math.abs(Math.scalb((double) v, -lsb)) > MAX_I16_CODE) {
        return false;
      }
    }
    return true;
  }

  /** The code of a fake-quantized fp32 value {@code q} (scalar IR operand), as {@code el}. */
  String code(IrFunction f, String q, ElemType el) {
    String code = f.let("call float @llvm.roundeven.f32(float " + f.let("fdiv float " + q + ", " + Ir.f32(step)) + ")");
    return switch (el) {
      case FLOAT -> code;
      case DOUBLE -> f.let("fpext float " + code + " to double");
      case I16 -> f.let("fptosi float " + code + " to i16");
    };
  }

  /** Converts {@code count} fake-quantized floats at {@code from} to codes of type {@code el} at {@code to}: one vectorizable pass. */
  void codes(IrFunction f, String from, String to, String count, ElemType el) {
    String i = f.forLoop("0", count, 1);
    String q = f.let("load float, ptr " + f.floatAt(from, i) + ", align 4");
    f.emit("store " + el.ir() + " " + code(f, q, el) + ", ptr " + f.at(el.ir(), to, i));
    f.endLoop();
  }
}
