// Gemm and MatMul with a constant right-hand side.
package org.qcc.backends.llvm;

import org.qcc.ir.Tensor;

/**
 * Gemm (A at run time, B and C constant) and MatMul (B a constant matrix). The batch tile's rows
 * of A become the GEMM's rows, so a tile of images shares every load of the weights; MatMul over
 * a rank-3 A stacks its rows too.
 */
final class DenseLayer {
  private DenseLayer() {}

  /**
   * What a dense layer computes: each image's rows of A times the constant B (k x n), then the
   * epilogue; with {@code exact}, B holds weight codes and A's values become codes first.
   */
  private record Product(String b, long rowsPerImage, long n, long k, GemmEmitter.Epilogue epilogue, ExactPlan exact) {}

  /** Gemm or MatMul over a tile of images, register-tiled. */
  static void emit(LayerContext c, int lanes) {
    Product p = product(c);
    IrFunction f = c.f();
    String m = f.let("mul nsw i64 " + c.count() + ", " + p.rowsPerImage());
    String a = c.in(0);
    String elem = "float";
    if (p.exact() != null) {
      // The tile's A as codes, in scratch: one contiguous, vectorizable pass.
      elem = p.exact().elem();
      a = c.scratch(ModelLowering.TILE * p.rowsPerImage() * p.k() * p.exact().floatsPerCode());
      String i = f.forLoop("0", f.let("mul nsw i64 " + m + ", " + p.k()), 1);
      String q = f.let("load float, ptr " + f.floatAt(c.in(0), i) + ", align 4");
      f.emit("store " + elem + " " + p.exact().code(f, q) + ", ptr " + f.at(elem, a, i));
      f.endLoop();
    }
    GemmEmitter.emit(f, a, p.b(), c.out(0), m, p.n(), p.k(), p.epilogue(), lanes, elem);
  }

  /** One output element of Gemm or MatMul. */
  static void emitAt(LayerContext c) {
    Product p = product(c);
    GemmEmitter.emitAt(c.f(), c.in(0), p.b(), c.out(0), c.index(), p.n(), p.k(), p.epilogue(), p.exact());
  }

  private static Product product(LayerContext c) {
    return c.node().qualifiedOp().equals("Gemm") ? gemm(c) : matmul(c);
  }

  private static Product gemm(LayerContext c) {
    if (c.i("transA", 0) != 0) {
      throw c.fail("transA=1 with a run-time A is not supported");
    }
    int[] bShape = c.constant(1).map(Tensor::shape).orElseThrow(() -> c.fail("B must be a constant for the LLVM backend"));
    boolean transB = c.i("transB", 0) != 0;
    int k = c.inShape(0)[0];
    int n = transB ? bShape[0] : bShape[1];
    ExactPlan exact = ExactPlan.of(c, n).orElse(null);
    float[] b = c.constantFloats(1, "weight B");
    b = exact == null ? b : exact.layer().weightCodes(b, bShape, transB ? 0 : 1);
    float[] bkn = transB ? transpose(b, bShape[0], bShape[1]) : b;
    float beta = c.f("beta", 1f);
    String colBias = null;
    if (c.has(2) && beta != 0f) {
      float[] cv = c.constantFloats(2, "bias C");
      int[] cs = c.constantShape(2);
      if (cv.length != 1 && cv.length != n || cs.length == 2 && cs[0] != 1) {
        throw c.fail("C of shape " + java.util.Arrays.toString(cs) + " must broadcast along the batch ([" + n + "] or [1, " + n + "])");
      }
      float[] bias = new float[n];
      for (int j = 0; j < n; j++) {
        bias[j] = beta * cv[cv.length == 1 ? 0 : j];
      }
      colBias = c.global(bias);
    }
    GemmEmitter.Epilogue e = exact == null ? GemmEmitter.Epilogue.of(c.f("alpha", 1f), null, colBias) : new GemmEmitter.Epilogue(1f, null, colBias, null, exact.multipliers());
    return new Product(exact == null ? c.global(bkn) : exact.global(c, bkn), 1, n, k, e, exact);
  }

  private static Product matmul(LayerContext c) {
    int[] bShape = c.constant(1).map(Tensor::shape).orElseThrow(() -> c.fail("B must be a constant for the LLVM backend"));
    if (bShape.length != 2) {
      throw c.fail("B must be a constant matrix, got rank " + bShape.length);
    }
    int[] a = c.inShape(0);
    if (a.length < 1 || a[a.length - 1] != bShape[0]) {
      throw c.fail("A's last dimension does not match B's rows " + bShape[0]);
    }
    long rowsPerImage = LayerContext.elements(a) / bShape[0];
    ExactPlan exact = ExactPlan.of(c, bShape[1]).orElse(null);
    float[] b = c.constantFloats(1, "matrix B");
    if (exact == null) {
      return new Product(c.global(b), rowsPerImage, bShape[1], bShape[0], GemmEmitter.Epilogue.NONE, null);
    }
    GemmEmitter.Epilogue e = new GemmEmitter.Epilogue(1f, null, null, null, exact.multipliers());
    return new Product(exact.global(c, exact.layer().weightCodes(b, bShape, 1)), rowsPerImage, bShape[1], bShape[0], e, exact);
  }

  private static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }
}
