// Run-time quantize-dequantize of activations to a block format (BFP, OCP MX).
package org.qcc.backends.llvm;

import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.ops.FakeQuantSpec;

/**
 * qcc.FakeQuant with a block format on a run-time tensor, as BlockQuantizer.fakeQuantize: each
 * block of {@code blockSize} consecutive elements along the axis takes its step from its largest
 * magnitude, and each element is {@code quantize(x / step) * step} rounded to fp32 once.
 *
 * <p>BFP and MX scales depend on the largest magnitude only through its binary exponent, so the
 * step is looked up, per block, in a table indexed by the exponent field of that magnitude as a
 * double; the table holds the format's own {@code step(scaleCode(2^e))} for every field (0 for
 * zero, 2047 for infinity), and is checked at compile time to be a function of the exponent. MX
 * blocks holding NaN get a NaN step, as the interpreter's. The steps are powers of two, so dividing
 * by them is multiplying by their exact reciprocals, one division per block.
 *
 * <p>Blocks stay within an image (the batch axis cannot be the block axis), so any split of the
 * batch gives the interpreter's result. Two-level formats (NVFP4) are rejected: their tensor scale
 * spans the whole batch.
 */
final class BlockQuantLayer {
  private static final int FIELDS = 2048;

  private BlockQuantLayer() {}

  /**
   * Blocks along a dimension of {@code length} with {@code outer} lines before it and {@code inner}
   * elements after it (the stride between a block's elements), per image.
   */
  private record Plan(long outer, long length, long inner, int blockSize, String steps, boolean nanBlocks, ElementRounding rounding) {
    long blocksPerLine() {
      return (length + blockSize - 1) / blockSize;
    }

    /** The first element of block {@code blk} of line {@code o}, from {@code base}. */
    String first(IrFunction f, String base, String o, String blk) {
      return f.add(base, f.mulAdd(o, length * inner, f.let("mul nsw i64 " + blk + ", " + blockSize * inner)));
    }

    /** The number of elements in block {@code blk}: the block size but in a short last block. */
    String count(IrFunction f, String blk) {
      if (length % blockSize == 0) {
        return String.valueOf(blockSize);
      }
      String last = f.let("icmp eq i64 " + blk + ", " + (blocksPerLine() - 1));
      return f.let("select i1 " + last + ", i64 " + length % blockSize + ", i64 " + blockSize);
    }
  }

  /** A block's step and the reciprocal x is multiplied by, both doubles. */
  private record Step(String step, String inverse) {}

  private static Plan plan(LayerContext c, FakeQuantSpec spec) {
    int[] full = FakeQuantLayer.withBatch(c.inShape(0));
    BlockFormat format = (BlockFormat) spec.format();
    if (spec.axis() == 0) {
      throw c.fail("blocks along the batch axis are not supported");
    }
    if (format.hasTensorScale()) {
      throw c.fail(format.name() + " scales by the whole tensor's largest magnitude, which spans the batch; run-time values cannot use it");
    }
    if (spec.rounding() == Rounding.STOCHASTIC) {
      throw c.fail("stochastic rounding of run-time values is not supported");
    }
    double[] steps = new double[FIELDS];
    for (int field = 0; field < FIELDS; field++) {
      int e = field - 1023;
      double low = field == 0 ? 0 : field == FIELDS - 1 ? Double.POSITIVE_INFINITY : Math.scalb(1.0, e);
      steps[field] = format.step(format.scaleCode(low, 1.0), 1.0);
      boolean sameBinade = field == 0 || field == FIELDS - 1 || format.scaleCode(Math.nextDown(Math.scalb(2.0, e)), 1.0) == format.scaleCode(low, 1.0);
      double step = steps[field];
      boolean powerOfTwo = Double.isNaN(step) || step > 0 && step == Math.scalb(1.0, Math.getExponent(step)) && Math.getExponent(step) > Double.MIN_EXPONENT;
      if (!sameBinade || !powerOfTwo) {
        throw c.fail(format.name() + " steps are not powers of two set by the largest magnitude's exponent; run-time values cannot use it");
      }
    }
    long outer = 1;
    for (int d = 1; d < spec.axis(); d++) {
      outer *= full[d];
    }
    long inner = 1;
    for (int d = spec.axis() + 1; d < full.length; d++) {
      inner *= full[d];
    }
    return new Plan(
        outer,
        full[spec.axis()],
        inner,
        format.blockSize(),
        c.global(steps),
        format.propagatesNaN(),
        ElementRounding.of(c, format.elementFormat(), spec.rounding()));
  }

  /**
   * Every block of the tile. Along the last axis a block is contiguous: its amax and its elements
   * are loops of their own. Otherwise the blocks of a line side by side are one pass over the
   * {@code inner} positions per block element, with their state in scratch, so the inner loops
   * run over contiguous memory.
   */
  static void emit(LayerContext c, FakeQuantSpec spec) {
    Plan p = plan(c, spec);
    IrFunction f = c.f();
    long per = LayerContext.elements(c.inShape(0));
    long inner = p.inner();
    String amax = inner == 1 ? null : c.scratch(inner * 4);
    String nan = inner == 1 || !p.nanBlocks() ? null : c.scratch(inner);
    String steps = inner == 1 ? null : c.scratch(inner * 8);
    String inverses = inner == 1 ? null : c.scratch(inner * 8);
    String b = f.forLoop("0", c.count(), 1);
    String base = f.let("mul nsw i64 " + b + ", " + per);
    String o = f.forLoop("0", String.valueOf(p.outer()), 1);
    String blk = f.forLoop("0", String.valueOf(p.blocksPerLine()), 1);
    String first = p.first(f, base, o, blk);
    String n = p.count(f, blk);
    if (inner == 1) {
      Step s = blockStep(c, p, first, n);
      String k = f.forLoop("0", n, 1);
      quantizeElement(c, p, f.add(first, k), s);
      f.endLoop();
    } else {
      String i = f.forLoop("0", String.valueOf(inner), 1);
      f.emit("store float 0.0, ptr " + f.floatAt(amax, i));
      if (nan != null) {
        f.emit("store i8 0, ptr " + f.at("i8", nan, i));
      }
      f.endLoop();
      String k = f.forLoop("0", n, 1);
      i = f.forLoop("0", String.valueOf(inner), 1);
      String x = f.let("load float, ptr " + f.floatAt(c.in(0), f.add(first, f.mulAdd(k, inner, i))) + ", align 4");
      String m = f.floatAt(amax, i);
      f.emit("store float " + larger(f, f.let("load float, ptr " + m), x) + ", ptr " + m);
      if (nan != null) {
        String flag = f.at("i8", nan, i);
        f.emit("store i8 " + f.let("or i8 " + f.let("load i8, ptr " + flag) + ", " + f.let("zext i1 " + isNaN(f, x) + " to i8")) + ", ptr " + flag);
      }
      f.endLoops(2);
      i = f.forLoop("0", String.valueOf(inner), 1);
      String anyNaN = nan == null ? null : f.let("icmp ne i8 " + f.let("load i8, ptr " + f.at("i8", nan, i)) + ", 0");
      Step s = step(f, p, f.let("load float, ptr " + f.floatAt(amax, i)), anyNaN);
      f.emit("store double " + s.step() + ", ptr " + f.at("double", steps, i));
      f.emit("store double " + s.inverse() + ", ptr " + f.at("double", inverses, i));
      f.endLoop();
      k = f.forLoop("0", n, 1);
      i = f.forLoop("0", String.valueOf(inner), 1);
      Step own = new Step(f.let("load double, ptr " + f.at("double", steps, i)), f.let("load double, ptr " + f.at("double", inverses, i)));
      quantizeElement(c, p, f.add(first, f.mulAdd(k, inner, i)), own);
      f.endLoops(2);
    }
    f.endLoops(3);
  }

  /** This thread's element: its block's step from a loop over the block, then the element. */
  static void emitAt(LayerContext c, FakeQuantSpec spec) {
    Plan p = plan(c, spec);
    IrFunction f = c.f();
    String within = f.let("urem i64 " + c.index() + ", " + LayerContext.elements(c.inShape(0)));
    String base = f.let("sub nuw i64 " + c.index() + ", " + within);
    String[] at = f.unflatten(within, p.inner(), p.length());
    String blk = f.let("udiv i64 " + at[1] + ", " + p.blockSize());
    String first = f.add(p.first(f, base, at[2], blk), at[0]);
    quantizeElement(c, p, c.index(), blockStep(c, p, first, p.count(f, blk)));
  }

  /** The step of the {@code n}-element block from {@code first}, elements {@code inner} apart. */
  private static Step blockStep(LayerContext c, Plan p, String first, String n) {
    IrFunction f = c.f();
    String amax = f.alloca("float");
    String nan = f.alloca("i1");
    f.emit("store float 0.0, ptr " + amax);
    f.emit("store i1 false, ptr " + nan);
    String k = f.forLoop("0", n, 1);
    String x = f.let("load float, ptr " + f.floatAt(c.in(0), f.mulAdd(k, p.inner(), first)) + ", align 4");
    f.emit("store float " + larger(f, f.let("load float, ptr " + amax), x) + ", ptr " + amax);
    f.emit("store i1 " + f.let("or i1 " + f.let("load i1, ptr " + nan) + ", " + isNaN(f, x)) + ", ptr " + nan);
    f.endLoop();
    return step(f, p, f.let("load float, ptr " + amax), p.nanBlocks() ? f.let("load i1, ptr " + nan) : null);
  }

  /** BlockQuantizer's running amax: |x| replaces it when larger, so NaN never does. */
  private static String larger(IrFunction f, String amax, String x) {
    String a = f.let("call float @llvm.fabs.f32(float " + x + ")");
    return f.let("select i1 " + f.let("fcmp ogt float " + a + ", " + amax) + ", float " + a + ", float " + amax);
  }

  private static String isNaN(IrFunction f, String x) {
    return f.let("fcmp uno float " + x + ", 0.0");
  }

  /** The table's step for {@code amax}; NaN when {@code anyNaN} (null: the format ignores NaN). */
  private static Step step(IrFunction f, Plan p, String amax, String anyNaN) {
    String field = ElementRounding.exponentField(f, f.let("bitcast double " + f.let("fpext float " + amax + " to double") + " to i64"));
    String step = f.let("load double, ptr " + f.at("double", p.steps(), field));
    if (anyNaN != null) {
      step = f.let("select i1 " + anyNaN + ", double " + Ir.f64(Double.NaN) + ", double " + step);
    }
    return new Step(step, f.let("fdiv double 1.0, " + step));
  }

  private static void quantizeElement(LayerContext c, Plan p, String at, Step s) {
    IrFunction f = c.f();
    String x = f.let("load float, ptr " + f.floatAt(c.in(0), at) + ", align 4");
    String y = f.let("fmul double " + f.let("fpext float " + x + " to double") + ", " + s.inverse());
    String q = p.rounding().quantize(f, y);
    String v = f.let("fmul double " + f.let("fpext float " + q + " to double") + ", " + s.step());
    f.emit("store float " + f.let("fptrunc double " + v + " to float") + ", ptr " + f.floatAt(c.out(0), at) + ", align 4");
  }
}
