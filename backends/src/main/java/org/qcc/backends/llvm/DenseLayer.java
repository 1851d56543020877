// Gemm and MatMul with a constant right-hand side.
package org.qcc.backends.llvm;

import java.util.Optional;
import org.qcc.ir.Tensor;

/**
 * Gemm (A at run time, B and C constant) and MatMul (B a constant matrix). The batch tile's rows
 * of A become the GEMM's rows, so a tile of images shares every load of the weights; MatMul over
 * a rank-3 A stacks its rows too.
 */
final class DenseLayer {
  private DenseLayer() {}

  /**
   * What a dense layer computes: each image's rows of A times the constant B (k x n, row-major),
   * then the epilogue; with {@code exact}, B holds weight codes and A's values become codes first.
   * {@code sparse} is null unless B is N:M sparse: then it holds B's columns as compressed rows.
   */
  private record Product(float[] b, SparseRows sparse, long rowsPerImage, long n, long k, GemmEmitter.Epilogue epilogue, ExactPlan exact) {}

  /** Gemm or MatMul over a tile of images, register-tiled over B packed at compile time; {@code bias}: a fused Add's value per column (fp32 MatMul), or null. */
  static void emit(LayerContext c, int lanes, boolean relu, float[] bias) {
    Product p = product(c, bias);
    if (p.sparse() != null) {
      emitSparse(c, p, lanes, relu);
      return;
    }
    IrFunction f = c.f();
    ElemType el = p.exact() == null ? ElemType.FLOAT : p.exact().gemmElem();
    GemmEmitter.Shape shape = GemmEmitter.Shape.of(p.k(), p.n(), lanes, el);
    String m = f.let("mul nsw i64 " + c.count() + ", " + p.rowsPerImage());
    String a = c.in(0);
    if (p.exact() != null) {
      // The tile's A as codes, in scratch: a contiguous, vectorizable pass per row, with zeros padding odd rows of 16-bit codes.
      a = c.scratch(ModelLowering.TILE * p.rowsPerImage() * shape.rowLength() * el.bytes());
      if (shape.rowLength() == p.k()) {
        p.exact().codes(f, c.in(0), a, f.let("mul nsw i64 " + m + ", " + p.k()), el);
      } else {
        String i = f.forLoop("0", m, 1);
        String row = f.at(el.ir(), a, f.let("mul nsw i64 " + i + ", " + shape.rowLength()));
        p.exact().codes(f, f.floatAt(c.in(0), f.let("mul nsw i64 " + i + ", " + p.k())), row, String.valueOf(p.k()), el);
        f.emit("store " + el.ir() + " 0, ptr " + f.at(el.ir(), row, String.valueOf(p.k())));
        f.endLoop();
      }
    }
    GemmEmitter.Right b = new GemmEmitter.Right.Packed(c.global(shape.packed(p.b()), el));
    GemmEmitter.emit(f, a, b, c.out(0), m, shape, p.epilogue().withRelu(relu));
  }

  /**
   * An fp32 B that keeps the same number of terms per group of four in every column goes to {@link
   * GroupPermuteGemm}, vectors across outputs. Otherwise the product runs transposed, {@code C^T =
   * B^T A^T}: B's columns become the left operand's compressed rows, and the tile's rows of A (as
   * codes with {@code exact}) the right operand's columns. The slot holds a whole tile, so the
   * columns past the tile's images exist; their results are never copied out.
   */
  private static void emitSparse(LayerContext c, Product p, int lanes, boolean relu) {
    IrFunction f = c.f();
    String m = f.let("mul nsw i64 " + c.count() + ", " + p.rowsPerImage());
    Optional<GroupPermuteGemm.Weights> grouped = p.exact() == null ? GroupPermuteGemm.Weights.of(p.sparse(), lanes) : Optional.empty();
    if (grouped.isPresent()) {
      GroupPermuteGemm.emit(c, c.in(0), grouped.get(), c.out(0), m, p.epilogue().withRelu(relu));
      return;
    }
    ElemType el = p.exact() == null ? ElemType.FLOAT : p.exact().elem();
    long columns = ModelLowering.TILE * p.rowsPerImage();
    GemmEmitter.Shape shape = GemmEmitter.Shape.of(p.k(), columns, lanes, el);
    String a = c.in(0);
    if (p.exact() != null) {
      a = c.scratch(columns * p.k() * el.bytes());
      p.exact().codes(f, c.in(0), a, f.let("mul nsw i64 " + m + ", " + p.k()), el);
    }
    String product = c.scratch(p.n() * columns * 4);
    GemmEmitter.Left left = p.sparse().left(c, el);
    GemmEmitter.emit(f, left, new GemmEmitter.Right.Transposed(a, c.scratch(shape.panelBytes())), product, p.n(), shape, p.epilogue().transposed().withRelu(relu));
    String row = f.forLoop("0", m, 1);
    String j = f.forLoop("0", String.valueOf(p.n()), 1);
    String y = f.let("load float, ptr " + f.floatAt(product, f.mulAdd(j, columns, row)) + ", align 4");
    f.emit("store float " + y + ", ptr " + f.floatAt(c.out(0), f.mulAdd(row, p.n(), j)) + ", align 4");
    f.endLoops(2);
  }

  /** One output element of Gemm or MatMul. */
  static void emitAt(LayerContext c, boolean relu, float[] bias) {
    Product p = product(c, bias);
    ElemType el = p.exact() == null ? ElemType.FLOAT : p.exact().elem();
    GemmEmitter.Epilogue e = p.epilogue().withRelu(relu);
    if (p.sparse() != null) {
      GemmEmitter.Left.Sparse b = p.sparse().left(c, el);
      GemmEmitter.emitSparseAt(c.f(), c.in(0), b, c.out(0), c.index(), p.n(), p.k(), e, p.exact());
    } else {
      GemmEmitter.emitAt(c.f(), c.in(0), c.global(p.b(), el), c.out(0), c.index(), p.n(), p.k(), e, p.exact());
    }
  }

  private static Product product(LayerContext c, float[] bias) {
    return c.node().qualifiedOp().equals("Gemm") ? gemm(c) : matmul(c, bias);
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
    float[] raw = c.constantFloats(1, "weight B");
    float[] b = exact == null ? raw : exact.layer().weightCodes(raw, bShape, transB ? 0 : 1);
    float[] bkn = transB ? transpose(b, bShape[0], bShape[1]) : b;
    SparseRows sparse = c.kept().map(kept -> transB ? SparseRows.ofRows(c, b, kept, n, k) : SparseRows.ofColumns(c, b, kept, k, n)).orElse(null);
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
    GemmEmitter.Epilogue e = exact == null ? GemmEmitter.Epilogue.of(c.f("alpha", 1f), null, colBias) : GemmEmitter.Epilogue.scaled(null, colBias, null, exact.multipliers());
    return new Product(bkn, sparse, 1, n, k, e, exact);
  }

  private static Product matmul(LayerContext c, float[] bias) {
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
      String colBias = bias == null ? null : c.global(bias);
      return new Product(b, sparse(c, b, bShape), rowsPerImage, bShape[1], bShape[0], GemmEmitter.Epilogue.of(1f, null, colBias), null);
    }
    GemmEmitter.Epilogue e = GemmEmitter.Epilogue.scaled(null, null, null, exact.multipliers());
    float[] codes = exact.layer().weightCodes(b, bShape, 1);
    return new Product(codes, sparse(c, codes, bShape), rowsPerImage, bShape[1], bShape[0], e, exact);
  }

  /** B (k x n) as compressed columns when N:M sparse, else null. */
  private static SparseRows sparse(LayerContext c, float[] b, int[] bShape) {
    return c.kept().map(kept -> SparseRows.ofColumns(c, b, kept, bShape[0], bShape[1])).orElse(null);
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
