// Rounds a double quotient to a scalar format in generated code, as the formats library does.
package org.qcc.backends.llvm;

import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

/**
 * {@code format.quantize(y, rounding)} of a double {@code y}, as fp32 IR. Integers and minifloats
 * under round-to-nearest-even compute it directly, branch-free (so loops over it vectorize);
 * every other format of up to {@link QuantTable#MAX_BITS} bits looks {@code y} up in a {@link
 * QuantTable} ({@code keys}/{@code values} are its globals).
 */
record ElementRounding(ScalarFormat format, QuantTable table, String keys, String values) {

  /** The rounding of {@code format} under {@code rounding}, or a compile error naming the layer. */
  static ElementRounding of(LayerContext c, ScalarFormat format, Rounding rounding) {
    boolean direct = (format instanceof IntFormat || format instanceof Minifloat) && rounding == Rounding.NEAREST_EVEN;
    if (!direct && format.bits() > QuantTable.MAX_BITS || rounding == Rounding.STOCHASTIC) {
      throw c.fail("quantizing run-time values to " + format.name() + " with " + rounding.id() + " rounding is not supported");
    }
    if (direct) {
      return new ElementRounding(format, null, null, null);
    }
    QuantTable table = QuantTable.of(format, rounding);
    return new ElementRounding(format, table, c.global(table.paddedKeys()), c.global(table.values()));
  }

  /** The quantized value of {@code y} (a double), as a float. */
  String quantize(IrFunction f, String y) {
    if (table != null) {
      return lookup(f, y);
    }
    return format instanceof Minifloat m ? roundMinifloat(f, y, m) : roundInt(f, y, (IntFormat) format);
  }

  /** rint, then clamp; NaN becomes 0 and -0 becomes +0, as in IntFormat.quantize. */
  private static String roundInt(IrFunction f, String y, IntFormat format) {
    String q = f.let("fadd double " + f.let("call double @llvm.roundeven.f64(double " + y + ")") + ", 0.0");
    String lo = Ir.f64(format.minValue());
    String hi = Ir.f64(format.maxValue());
    String geLo = f.let("fcmp oge double " + q + ", " + lo);
    String leHi = f.let("fcmp ole double " + q + ", " + hi);
    String ltLo = f.let("fcmp olt double " + q + ", " + lo);
    String inner = f.let("select i1 " + leHi + ", double " + q + ", double " + hi);
    String below = f.let("select i1 " + ltLo + ", double " + lo + ", double 0.0");
    return f.let("fptrunc double " + f.let("select i1 " + geLo + ", double " + inner + ", double " + below) + " to float");
  }

  /**
   * Minifloat.quantize under round-to-nearest-even, step for step: the magnitude is scaled by a
   * power of two that makes its binade's grid the integers, rounded once, scaled back; then
   * overflow, the sign and the format's zeros and NaN.
   */
  private static String roundMinifloat(IrFunction f, String y, Minifloat m) {
    String bits = f.let("bitcast double " + y + " to i64");
    String negative = f.let("icmp slt i64 " + bits + ", 0");
    String a = f.let("call double @llvm.fabs.f64(double " + y + ")");
    // Math.getExponent: the biased exponent field minus 1023 (-1023 for zero). Infinity's 1024 becomes
    // 1023, so that its scale factors stay finite and it overflows like any huge value.
    String field = exponentField(f, bits);
    String exp = f.let("sub nsw i64 " + f.let("select i1 " + f.let("icmp eq i64 " + field + ", 2047") + ", i64 2046, i64 " + field) + ", 1023");
    int emin = m.minExponent();
    String belowNormal = f.let("icmp slt i64 " + exp + ", " + emin);
    String quantum = f.let("select i1 " + belowNormal + ", i64 " + (m.subnormals() ? emin - m.manBits() : emin) + ", i64 " + f.let("sub nsw i64 " + exp + ", " + m.manBits()));
    String r = f.let("fmul double " + a + ", " + pow2(f, f.let("sub nsw i64 0, " + quantum)));
    String v = f.let("fmul double " + f.let("call double @llvm.roundeven.f64(double " + r + ")") + ", " + pow2(f, quantum));
    double max = m.maxValue();
    double overflow = m.saturating() ? max : m.hasInfinity() ? Double.POSITIVE_INFINITY : Double.NaN;
    v = f.let("select i1 " + f.let("fcmp ogt double " + v + ", " + Ir.f64(max)) + ", double " + Ir.f64(overflow) + ", double " + v);
    String signed = f.let("select i1 " + negative + ", double " + f.let("fneg double " + v) + ", double " + v);
    if (m.specials() == Minifloat.Specials.FNUZ) {
      // No negative zero.
      signed = f.let("select i1 " + f.let("fcmp oeq double " + v + ", 0.0") + ", double 0.0, double " + signed);
    }
    if (!m.signed()) {
      signed = f.let("select i1 " + negative + ", double 0.0, double " + signed);
    }
    String nan = f.let("fcmp uno double " + y + ", 0.0");
    String out = f.let("select i1 " + nan + ", double " + Ir.f64(m.hasNaN() ? Double.NaN : 0.0) + ", double " + signed);
    return f.let("fptrunc double " + out + " to float");
  }

  /** The biased exponent field (0..2047) of a double's bits, an i64. */
  static String exponentField(IrFunction f, String bits) {
    return f.let("and i64 " + f.let("lshr i64 " + bits + ", 52") + ", 2047");
  }

  /** 2^e for an i64 e in the normal range of doubles, built from its bits. */
  static String pow2(IrFunction f, String e) {
    return f.let("bitcast i64 " + f.let("shl i64 " + f.let("add nsw i64 " + e + ", 1023") + ", 52") + " to double");
  }

  /** Branch-free binary search of the quotient's total-order key among the table's thresholds. */
  private String lookup(IrFunction f, String y) {
    String bits = f.let("bitcast double " + y + " to i64");
    String neg = f.let("icmp slt i64 " + bits + ", 0");
    String key = f.let("select i1 " + neg + ", i64 " + f.let("xor i64 " + bits + ", " + Long.MAX_VALUE) + ", i64 " + bits);
    String pos = "0";
    for (int step = table.paddedKeys().length / 2; step >= 1; step /= 2) {
      String probe = f.let("load i64, ptr " + f.let("getelementptr inbounds i64, ptr " + keys + ", i64 " + f.add(pos, String.valueOf(step - 1))));
      String le = f.let("icmp sle i64 " + probe + ", " + key);
      pos = f.add(pos, f.let("select i1 " + le + ", i64 " + step + ", i64 0"));
    }
    String v = f.let("load float, ptr " + f.floatAt(values, pos));
    String nan = f.let("fcmp uno double " + y + ", 0.0");
    return f.let("select i1 " + nan + ", float " + Ir.f32(table.nanValue()) + ", float " + v);
  }
}
