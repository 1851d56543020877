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

  /** What a dense layer computes: each image's rows of A times the constant B (k x n), then the epilogue. */
  private record Product(String b, long rowsPerImage, long n, long k, GemmEmitter.Epilogue epilogue) {}

  /** Gemm or MatMul over a tile of images, register-tiled. */
  static void emit(LayerContext c, int lanes) {
    Product p = product(c);
    String m = c.f().let("mul nsw i64 " + c.count() + ", " + p.rowsPerImage());
    GemmEmitter.emit(c.f(), c.in(0), p.b(), c.out(0), m, p.n(), p.k(), p.epilogue(), lanes);
  }

  /** One output element of Gemm or MatMul. */
  static void emitAt(LayerContext c) {
    Product p = product(c);
    GemmEmitter.emitAt(c.f(), c.in(0), p.b(), c.out(0), c.index(), p.n(), p.k(), p.epilogue());
  }

  private static Product product(LayerContext c) {
    return c.node().qualifiedOp().equals("Gemm") ? gemm(c) : matmul(c);
  }

  private static Product gemm(LayerContext c) {
    if (c.i("transA", 0) != 0) {
      throw c.fail("transA=1 with a run-time A is not supported");
    }
    int[] bShape = c.constant(1).map(Tensor::shape).orElseThrow(() -> c.fail("B must be a constant for the LLVM backend"));
    float[] b = c.constantFloats(1, "weight B");
    boolean transB = c.i("transB", 0) != 0;
    int k = c.inShape(0)[0];
    int n = transB ? bShape[0] : bShape[1];
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
    return new Product(c.global(bkn), 1, n, k, new GemmEmitter.Epilogue(c.f("alpha", 1f), null, colBias));
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
    return new Product(c.global(c.constantFloats(1, "matrix B")), rowsPerImage, bShape[1], bShape[0], GemmEmitter.Epilogue.NONE);
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
