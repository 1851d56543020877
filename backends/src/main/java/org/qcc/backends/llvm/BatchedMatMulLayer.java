// MatMul of two run-time operands (attention's Q K^T and P V), one matrix product per leading index.
package org.qcc.backends.llvm;

import java.util.Arrays;

/**
 * Per image, A [..., m, k] times B [..., k, n] of equal rank, with equal leading dimensions or
 * leading dimensions all 1 on one side (one matrix shared by every product). Each output starts at +0 and adds its products in increasing k by
 * fused multiply-adds, the interpreter's order; the loop over a row of B vectorizes.
 */
final class BatchedMatMulLayer {
  private BatchedMatMulLayer() {}

  /** {@code batches} products of m x k by k x n; a side's step between products is 0 when it is shared. */
  private record Plan(long batches, long m, long k, long n, long aStep, long bStep, long aPer, long bPer) {}

  static void emit(LayerContext c) {
    Plan p = plan(c);
    IrFunction f = c.f();
    long outPer = p.batches() * p.m() * p.n();
    String img = f.forLoop("0", c.count(), 1);
    String h = f.forLoop("0", String.valueOf(p.batches()), 1);
    String a = f.floatAt(c.in(0), f.mulAdd(h, p.aStep(), f.let("mul nsw i64 " + img + ", " + p.aPer())));
    String b = f.floatAt(c.in(1), f.mulAdd(h, p.bStep(), f.let("mul nsw i64 " + img + ", " + p.bPer())));
    String out = f.floatAt(c.out(0), f.mulAdd(h, p.m() * p.n(), f.let("mul nsw i64 " + img + ", " + outPer)));
    String i = f.forLoop("0", String.valueOf(p.m()), 1);
    String row = f.floatAt(out, f.let("mul nsw i64 " + i + ", " + p.n()));
    f.emit("call void @llvm.memset.p0.i64(ptr " + row + ", i8 0, i64 " + p.n() * 4 + ", i1 false)");
    String q = f.forLoop("0", String.valueOf(p.k()), 1);
    String av = f.let("load float, ptr " + f.floatAt(a, f.mulAdd(i, p.k(), q)) + ", align 4");
    String bRow = f.floatAt(b, f.let("mul nsw i64 " + q + ", " + p.n()));
    String j = f.forLoop("0", String.valueOf(p.n()), 1);
    String cj = f.floatAt(row, j);
    String bv = f.let("load float, ptr " + f.floatAt(bRow, j) + ", align 4");
    f.emit("store float " + f.let("call float @llvm.fma.f32(float " + av + ", float " + bv + ", float " + f.let("load float, ptr " + cj + ", align 4") + ")") + ", ptr " + cj + ", align 4");
    f.endLoops(5);
  }

  static void emitAt(LayerContext c) {
    Plan p = plan(c);
    IrFunction f = c.f();
    String[] at = f.coordinates(c.index(), new int[] {(int) p.batches(), (int) p.m(), (int) p.n()});
    String a = f.floatAt(c.in(0), f.offset(f.let("mul nsw i64 " + at[0] + ", " + p.aPer()), new String[] {at[1], at[2]}, new long[] {p.aStep(), p.k()}));
    String b = f.floatAt(c.in(1), f.offset(f.let("mul nsw i64 " + at[0] + ", " + p.bPer()), new String[] {at[1], at[3]}, new long[] {p.bStep(), 1}));
    String acc = f.alloca("float");
    f.emit("store float 0.0, ptr " + acc);
    String q = f.forLoop("0", String.valueOf(p.k()), 1);
    String av = f.let("load float, ptr " + f.floatAt(a, q) + ", align 4");
    String bv = f.let("load float, ptr " + f.floatAt(b, f.let("mul nsw i64 " + q + ", " + p.n())) + ", align 4");
    f.emit("store float " + f.let("call float @llvm.fma.f32(float " + av + ", float " + bv + ", float " + f.let("load float, ptr " + acc) + ")") + ", ptr " + acc);
    f.endLoop();
    f.emit("store float " + f.let("load float, ptr " + acc) + ", ptr " + f.floatAt(c.out(0), c.index()) + ", align 4");
  }

  private static Plan plan(LayerContext c) {
    if (c.exact().isPresent()) {
      throw c.fail("integer accumulation of two run-time operands is not supported");
    }
    int[] a = c.inShape(0);
    int[] b = c.inShape(1);
    if (a.length < 2 || b.length < 2 || a[a.length - 1] != b[b.length - 2]) {
      throw c.fail("operands of shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not multiply as matrices");
    }
    long aProducts = LayerContext.elements(Arrays.copyOf(a, a.length - 2));
    long bProducts = LayerContext.elements(Arrays.copyOf(b, b.length - 2));
    boolean equal = Arrays.equals(a, 0, a.length - 2, b, 0, b.length - 2);
    if (a.length != b.length || !equal && aProducts != 1 && bProducts != 1) {
      throw c.fail("operands of shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " are not supported: their leading dimensions must be equal, or all 1 on one side");
    }
    long m = a[a.length - 2];
    long k = a[a.length - 1];
    long n = b[b.length - 1];
    return new Plan(Math.max(aProducts, bProducts), m, k, n, aProducts == 1 ? 0 : m * k, bProducts == 1 ? 0 : k * n, LayerContext.elements(a), LayerContext.elements(b));
  }
}
