// Row-wise normalizations: LayerNormalization and Softmax, in the interpreter's double arithmetic.
package org.qcc.backends.llvm;

import java.util.Arrays;
import org.qcc.ir.Attribute;

/**
 * Both ops reduce rows of {@code len} elements, {@code inner} apart, in double and in index order,
 * as the interpreter does: sequential sums are not reassociated, so the results are its bits. A
 * tile is {@code count * rows} rows; row r starts at {@code (r / inner) * len * inner + r % inner}.
 */
final class NormLayer {
  private NormLayer() {}

  private record Rows(long rows, long len, long inner) {}

  // ---- LayerNormalization: (x - mean) * inv * scale + bias, inv = 1 / sqrt(var + eps)

  static void layerNorm(LayerContext c) {
    Rows r = layerNormRows(c);
    IrFunction f = c.f();
    Affine a = affine(c, r.len());
    String row = f.forLoop("0", f.let("mul nsw i64 " + c.count() + ", " + r.rows()), 1);
    String base = f.let("mul nsw i64 " + row + ", " + r.len());
    String[] stats = stats(c, base, r.len());
    String i = f.forLoop("0", String.valueOf(r.len()), 1);
    normalized(c, a, stats, f.add(base, i), i);
    f.endLoop();
    f.endLoop();
  }

  static void layerNormAt(LayerContext c) {
    Rows r = layerNormRows(c);
    IrFunction f = c.f();
    Affine a = affine(c, r.len());
    String i = f.let("urem i64 " + c.index() + ", " + r.len());
    String base = f.let("sub nsw i64 " + c.index() + ", " + i);
    normalized(c, a, stats(c, base, r.len()), c.index(), i);
  }

  private record Affine(String scale, String bias) {}

  private static Rows layerNormRows(LayerContext c) {
    int[] x = c.inShape(0);
    long axis = c.i("axis", -1);
    int a = (int) (axis < 0 ? axis + x.length + 1 : axis) - 1;
    if (a < 0 || a >= x.length) {
      throw c.fail("normalizing over the batch axis is not supported (axis " + axis + ")");
    }
    long len = LayerContext.elements(Arrays.copyOfRange(x, a, x.length));
    return new Rows(LayerContext.elements(x) / len, len, 1);
  }

  private static Affine affine(LayerContext c, long len) {
    String scale = c.global(expand(c, 1, "scale", len));
    String bias = c.has(2) ? c.global(expand(c, 2, "bias", len)) : null;
    return new Affine(scale, bias);
  }

  /** A constant scale or bias broadcast over the normalized block (trailing dimensions). */
  private static float[] expand(LayerContext c, int i, String role, long len) {
    float[] v = c.constantFloats(i, role);
    if (v.length != 1 && v.length != len) {
      throw c.fail("the " + role + " has " + v.length + " values for rows of " + len);
    }
    float[] out = new float[(int) len];
    for (int k = 0; k < out.length; k++) {
      out[k] = v[v.length == 1 ? 0 : k];
    }
    return out;
  }

  /** mean and 1 / sqrt(variance + eps) of the row at {@code base}, in double. */
  private static String[] stats(LayerContext c, String base, long len) {
    IrFunction f = c.f();
    String n = Ir.f64(len);
    String sum = f.alloca("double");
    f.emit("store double 0.0, ptr " + sum);
    String i = f.forLoop("0", String.valueOf(len), 1);
    f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + sum) + ", " + load(c, f.add(base, i))) + ", ptr " + sum);
    f.endLoop();
    String mean = f.let("fdiv double " + f.let("load double, ptr " + sum) + ", " + n);
    String sq = f.alloca("double");
    f.emit("store double 0.0, ptr " + sq);
    String j = f.forLoop("0", String.valueOf(len), 1);
    String d = f.let("fsub double " + load(c, f.add(base, j)) + ", " + mean);
    f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + sq) + ", " + f.let("fmul double " + d + ", " + d)) + ", ptr " + sq);
    f.endLoop();
    String var = f.let("fadd double " + f.let("fdiv double " + f.let("load double, ptr " + sq) + ", " + n) + ", " + Ir.f64(c.f("epsilon", 1e-5f)));
    String inv = f.let("fdiv double 1.0, " + f.let("call double @llvm.sqrt.f64(double " + var + ")"));
    return new String[] {mean, inv};
  }

  private static void normalized(LayerContext c, Affine a, String[] stats, String at, String i) {
    IrFunction f = c.f();
    String v = f.let("fmul double " + f.let("fmul double " + f.let("fsub double " + load(c, at) + ", " + stats[0]) + ", " + stats[1]) + ", " + widen(f, a.scale(), i));
    if (a.bias() != null) {
      v = f.let("fadd double " + v + ", " + widen(f, a.bias(), i));
    }
    f.emit("store float " + f.let("fptrunc double " + v + " to float") + ", ptr " + f.floatAt(c.out(0), at) + ", align 4");
  }

  // ---- Softmax: e^(x - max) / sum of e^(x - max) along the axis

  static void softmax(LayerContext c) {
    Rows r = softmaxRows(c);
    IrFunction f = c.f();
    String exps = c.scratch(r.len() * 8);
    String row = f.forLoop("0", f.let("mul nsw i64 " + c.count() + ", " + r.rows()), 1);
    String base = rowStart(f, row, r);
    String max = max(c, base, r);
    // The exponentials in a loop of their own, which vectorizes; their sum in order, which cannot.
    String i = f.forLoop("0", String.valueOf(r.len()), 1);
    f.emit("store double " + exp(c, element(f, base, i, r), max) + ", ptr " + f.at("double", exps, i));
    f.endLoop();
    String sum = f.alloca("double");
    f.emit("store double 0.0, ptr " + sum);
    String k = f.forLoop("0", String.valueOf(r.len()), 1);
    f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + sum) + ", " + f.let("load double, ptr " + f.at("double", exps, k))) + ", ptr " + sum);
    f.endLoop();
    String total = f.let("load double, ptr " + sum);
    String j = f.forLoop("0", String.valueOf(r.len()), 1);
    String y = f.let("fdiv double " + f.let("load double, ptr " + f.at("double", exps, j)) + ", " + total);
    f.emit("store float " + f.let("fptrunc double " + y + " to float") + ", ptr " + f.floatAt(c.out(0), element(f, base, j, r)) + ", align 4");
    f.endLoop();
    f.endLoop();
  }

  static void softmaxAt(LayerContext c) {
    Rows r = softmaxRows(c);
    IrFunction f = c.f();
    // The element's row and its place in it: index = (o * len + i) * inner + in.
    String in = f.let("urem i64 " + c.index() + ", " + r.inner());
    String rest = f.let("udiv i64 " + c.index() + ", " + r.inner());
    String i = f.let("urem i64 " + rest + ", " + r.len());
    String o = f.let("udiv i64 " + rest + ", " + r.len());
    String base = f.mulAdd(o, r.len() * r.inner(), in);
    String max = max(c, base, r);
    String sum = f.alloca("double");
    f.emit("store double 0.0, ptr " + sum);
    String k = f.forLoop("0", String.valueOf(r.len()), 1);
    f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + sum) + ", " + exp(c, element(f, base, k, r), max)) + ", ptr " + sum);
    f.endLoop();
    String y = f.let("fdiv double " + exp(c, c.index(), max) + ", " + f.let("load double, ptr " + sum));
    f.emit("store float " + f.let("fptrunc double " + y + " to float") + ", ptr " + f.floatAt(c.out(0), c.index()) + ", align 4");
  }

  /** The axis (opset 13 on) or the flattened trailing block from it (before). */
  private static Rows softmaxRows(LayerContext c) {
    int[] x = c.inShape(0);
    long opset = c.opset();
    long axis = c.node().attribute("axis").map(v -> ((Attribute.Int) v).value()).orElse(opset < 13 ? 1L : -1L);
    int a = (int) (axis < 0 ? axis + x.length + 1 : axis) - 1;
    if (a < 0 || a >= x.length) {
      throw c.fail("softmax over the batch axis is not supported (axis " + axis + ")");
    }
    long outer = LayerContext.elements(Arrays.copyOfRange(x, 0, a));
    long len = opset < 13 ? LayerContext.elements(x) / outer : x[a];
    long inner = LayerContext.elements(x) / (outer * len);
    return new Rows(outer * inner, len, inner);
  }

  private static String rowStart(IrFunction f, String row, Rows r) {
    if (r.inner() == 1) {
      return f.let("mul nsw i64 " + row + ", " + r.len());
    }
    return f.mulAdd(f.let("udiv i64 " + row + ", " + r.inner()), r.len() * r.inner(), f.let("urem i64 " + row + ", " + r.inner()));
  }

  private static String element(IrFunction f, String base, String i, Rows r) {
    return f.mulAdd(i, r.inner(), base);
  }

  /** The row's largest value as the interpreter finds it: -inf, then each element greater than the maximum so far (NaNs skipped). */
  private static String max(LayerContext c, String base, Rows r) {
    IrFunction f = c.f();
    String max = f.alloca("double");
    f.emit("store double " + Ir.f64(Double.NEGATIVE_INFINITY) + ", ptr " + max);
    String i = f.forLoop("0", String.valueOf(r.len()), 1);
    String v = load(c, element(f, base, i, r));
    String m = f.let("load double, ptr " + max);
    f.emit("store double " + f.let("select i1 " + f.let("fcmp ogt double " + v + ", " + m) + ", double " + v + ", double " + m) + ", ptr " + max);
    f.endLoop();
    return f.let("load double, ptr " + max);
  }

  private static String exp(LayerContext c, String at, String max) {
    IrFunction f = c.f();
    return f.let("call double " + RefMathIr.exp(c.globals()) + "(double " + f.let("fsub double " + load(c, at) + ", " + max) + ")");
  }

  /** Input element {@code at} as a double. */
  private static String load(LayerContext c, String at) {
    return widen(c.f(), c.in(0), at);
  }

  private static String widen(IrFunction f, String base, String at) {
    return f.let("fpext float " + f.let("load float, ptr " + f.floatAt(base, at) + ", align 4") + " to double");
  }
}
