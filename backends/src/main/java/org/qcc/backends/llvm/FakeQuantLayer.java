// Run-time quantize-dequantize of activations to a scalar format.
package org.qcc.backends.llvm;

import org.qcc.ir.Shape;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.FakeQuantSpec;

/**
 * qcc.FakeQuant on a run-time tensor, per tensor or per channel, with constant scales. Like the
 * formats library, x / scale is formed in double; integers under round-to-nearest-even round with
 * roundeven and clamp (NaN to 0), every other format of up to 8 bits looks the quotient up in a
 * {@link QuantTable}; the value times the scale is rounded to fp32 once.
 */
final class FakeQuantLayer {
  private FakeQuantLayer() {}

  /**
   * A checked quantizer: scales repeat every {@code inner} elements along the channel axis; an
   * integer under rne rounds directly, every other format looks up {@code keys}/{@code values}.
   */
  private record Plan(ScalarFormat format, String scales, int scaleCount, long inner, QuantTable table, String keys, String values) {}

  private static Plan plan(LayerContext c) {
    int[] image = c.inShape(0);
    int[] full = new int[image.length + 1];
    full[0] = 1;
    System.arraycopy(image, 0, full, 1, image.length);
    Shape scaleShape = c.constant(1).map(t -> Shape.of(t.shape())).orElse(null);
    FakeQuantSpec spec;
    try {
      spec = FakeQuantSpec.of(c.s("format", ""), (int) c.i("axis", 1), (int) c.i("group", 0), c.s("rounding", "rne"), c.s("scale_format", "fp32"), Shape.of(full), scaleShape);
    } catch (RuntimeException e) {
      throw c.fail(e.getMessage());
    }
    if (spec.isBlock()) {
      throw c.fail("block-format (" + spec.format().name() + ") quantization of run-time values is not supported yet; only weights may use it");
    }
    if (c.constant(1).isEmpty()) {
      throw c.fail("the scale must be a constant (run calibrate)");
    }
    float[] scales = c.constantFloats(1, "scale");
    for (float s : scales) {
      if (!(s > 0) || Float.isInfinite(s)) {
        throw c.fail("scale " + s + " is not positive and finite (run calibrate after quantize)");
      }
    }
    long inner;
    if (spec.granularity() instanceof Granularity.PerChannel ch) {
      if (ch.axis() == 0) {
        throw c.fail("per-channel scales along the batch axis are not supported");
      }
      inner = 1;
      for (int d = ch.axis() + 1; d < full.length; d++) {
        inner *= full[d];
      }
    } else if (spec.granularity() == Granularity.TENSOR) {
      inner = LayerContext.elements(image);
    } else {
      throw c.fail("grouped scales on run-time values are not supported");
    }
    ScalarFormat format = (ScalarFormat) spec.format();
    boolean direct = (format instanceof IntFormat || format instanceof Minifloat) && spec.rounding() == Rounding.NEAREST_EVEN;
    if (!direct && format.bits() > QuantTable.MAX_BITS || spec.rounding() == Rounding.STOCHASTIC) {
      throw c.fail("quantizing run-time values to " + format.name() + " with " + spec.rounding().id() + " rounding is not supported");
    }
    QuantTable table = direct ? null : QuantTable.of(format, spec.rounding());
    long[] padded = table == null ? null : table.paddedKeys();
    String keys = padded == null ? null : c.global(padded);
    String values = table == null ? null : c.global(table.values());
    return new Plan(format, c.global(scales), scales.length, inner, table, keys, values);
  }

  static void emit(LayerContext c) {
    Plan p = plan(c);
    IrFunction f = c.f();
    long per = LayerContext.elements(c.inShape(0));
    String b = f.forLoop("0", c.count(), 1);
    String base = f.let("mul nsw i64 " + b + ", " + per);
    String ch = f.forLoop("0", String.valueOf(per / p.inner()), 1);
    String s = scale(f, p, ch);
    String i = f.forLoop("0", String.valueOf(p.inner()), 1);
    quantizeElement(c, p, f.add(base, f.mulAdd(ch, p.inner(), i)), s);
    f.endLoop();
    f.endLoop();
    f.endLoop();
  }

  static void emitAt(LayerContext c) {
    Plan p = plan(c);
    IrFunction f = c.f();
    String within = f.let("urem i64 " + c.index() + ", " + LayerContext.elements(c.inShape(0)));
    quantizeElement(c, p, c.index(), scale(f, p, f.let("udiv i64 " + within + ", " + p.inner())));
  }

  /** The scale of channel {@code ch} (per tensor: the one scale). */
  private static String scale(IrFunction f, Plan p, String ch) {
    return f.let("load float, ptr " + f.floatAt(p.scales(), f.let("urem i64 " + ch + ", " + p.scaleCount())));
  }

  private static void quantizeElement(LayerContext c, Plan p, String at, String s) {
    IrFunction f = c.f();
    String x = f.let("load float, ptr " + f.floatAt(c.in(0), at) + ", align 4");
    String y = f.let("fdiv double " + f.let("fpext float " + x + " to double") + ", " + f.let("fpext float " + s + " to double"));
    QuantTable t = p.table();
    String v = t != null ? lookup(f, y, t.nanValue(), t.paddedKeys().length, p.keys(), p.values()) : p.format() instanceof Minifloat m ? roundMinifloat(f, y, m) : roundInt(f, y, (IntFormat) p.format());
    f.emit("store float " + f.let("fmul float " + v + ", " + s) + ", ptr " + f.floatAt(c.out(0), at) + ", align 4");
  }

  /** rint, then clamp; NaN becomes 0 and -0 becomes +0, as in Quantizer.fakeQuantize. */
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
   * Minifloat.quantize under round-to-nearest-even, step for step and branch-free (so it
   * vectorizes): the magnitude is scaled by a power of two that makes its binade's grid the
   * integers, rounded once, scaled back; then overflow, the sign and the format's zeros and NaN.
   */
  private static String roundMinifloat(IrFunction f, String y, Minifloat m) {
    String bits = f.let("bitcast double " + y + " to i64");
    String negative = f.let("icmp slt i64 " + bits + ", 0");
    String a = f.let("call double @llvm.fabs.f64(double " + y + ")");
    // Math.getExponent: the biased exponent field minus 1023 (-1023 for zero). Infinity's 1024 becomes
    // 1023, so that its scale factors stay finite and it overflows like any huge value.
    String field = f.let("and i64 " + f.let("lshr i64 " + bits + ", 52") + ", 2047");
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

  /** 2^e for an i64 e in the normal range of doubles, built from its bits. */
  private static String pow2(IrFunction f, String e) {
    return f.let("bitcast i64 " + f.let("shl i64 " + f.let("add nsw i64 " + e + ", 1023") + ", 52") + " to double");
  }

  /** Branch-free binary search of the quotient's total-order key among the table's thresholds. */
  private static String lookup(IrFunction f, String y, float nanValue, int keyCount, String keys, String values) {
    String bits = f.let("bitcast double " + y + " to i64");
    String neg = f.let("icmp slt i64 " + bits + ", 0");
    String key = f.let("select i1 " + neg + ", i64 " + f.let("xor i64 " + bits + ", " + Long.MAX_VALUE) + ", i64 " + bits);
    String pos = "0";
    for (int step = keyCount / 2; step >= 1; step /= 2) {
      String probe = f.let("load i64, ptr " + f.let("getelementptr inbounds i64, ptr " + keys + ", i64 " + f.add(pos, String.valueOf(step - 1))));
      String le = f.let("icmp sle i64 " + probe + ", " + key);
      pos = f.add(pos, f.let("select i1 " + le + ", i64 " + step + ", i64 0"));
    }
    String v = f.let("load float, ptr " + f.floatAt(values, pos));
    String nan = f.let("fcmp uno double " + y + ", 0.0");
    return f.let("select i1 " + nan + ", float " + Ir.f32(nanValue) + ", float " + v);
  }
}
