// Run-time quantize-dequantize of activations.
package org.qcc.backends.llvm;

import org.qcc.ir.Shape;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.FakeQuantSpec;

/**
 * qcc.FakeQuant on a run-time tensor: a scalar format per tensor or per channel with constant
 * scales here, a block format in {@link BlockQuantLayer}. Like the formats library, x / scale is
 * formed in double and rounded by {@link ElementRounding}; the value times the scale is rounded
 * to fp32 once.
 */
final class FakeQuantLayer {
  private FakeQuantLayer() {}

  /** A checked scalar quantizer: scales repeat every {@code inner} elements along the channel axis. */
  private record Plan(String scales, int scaleCount, long inner, ElementRounding rounding) {}

  /** The input's shape with a batch of one in front: the shape the spec's axis counts in. */
  static int[] withBatch(int[] image) {
    int[] full = new int[image.length + 1];
    full[0] = 1;
    System.arraycopy(image, 0, full, 1, image.length);
    return full;
  }

  private static FakeQuantSpec spec(LayerContext c) {
    Shape scaleShape = c.constant(1).map(t -> Shape.of(t.shape())).orElse(null);
    try {
      return FakeQuantSpec.of(
          c.s("format", ""), (int) c.i("axis", 1), (int) c.i("group", 0), c.s("rounding", "rne"), c.s("scale_format", "fp32"), Shape.of(withBatch(c.inShape(0))), scaleShape);
    } catch (RuntimeException e) {
      throw c.fail(e.getMessage());
    }
  }

  private static Plan plan(LayerContext c, FakeQuantSpec spec) {
    int[] image = c.inShape(0);
    int[] full = withBatch(image);
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
    return new Plan(c.global(scales), scales.length, inner, ElementRounding.of(c, (ScalarFormat) spec.format(), spec.rounding()));
  }

  static void emit(LayerContext c) {
    FakeQuantSpec spec = spec(c);
    if (spec.isBlock()) {
      BlockQuantLayer.emit(c, spec);
      return;
    }
    Plan p = plan(c, spec);
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
    FakeQuantSpec spec = spec(c);
    if (spec.isBlock()) {
      BlockQuantLayer.emitAt(c, spec);
      return;
    }
    Plan p = plan(c, spec);
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
    String v = p.rounding().quantize(f, y);
    f.emit("store float " + f.let("fmul float " + v + ", " + s) + ", ptr " + f.floatAt(c.out(0), at) + ", align 4");
  }
}
