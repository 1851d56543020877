// An N:M sparse weight compressed to rows of kept terms, as the LLVM kernels read it.
package org.qcc.backends.llvm;

/**
 * For each of {@code rows} outputs (a Conv's output channel, a Gemm's output column), its {@code
 * perRow} kept weights and the k of each, increasing: the order the golden model sums them in.
 * N:M sparsity along the reduction axis keeps the same number in every row.
 */
record SparseRows(int rows, int perRow, long k, float[] values, int[] taps) {
  /** Row-major {@code rows} x {@code k} weights and their kept mask in the same layout. */
  static SparseRows ofRows(LayerContext c, float[] w, boolean[] kept, int rows, long k) {
    return of(c, w, kept, rows, k, k, 1);
  }

  /** Row-major {@code k} x {@code columns} weights (B of a product) and their kept mask, one row per column. */
  static SparseRows ofColumns(LayerContext c, float[] w, boolean[] kept, long k, int columns) {
    return of(c, w, kept, columns, k, 1, columns);
  }

  private static SparseRows of(LayerContext c, float[] w, boolean[] kept, int rows, long k, long rowStride, long kStride) {
    int perRow = 0;
    for (long kk = 0; kk < k; kk++) {
      perRow += kept[(int) (kk * kStride)] ? 1 : 0;
    }
    float[] values = new float[rows * perRow];
    int[] taps = new int[values.length];
    int at = 0;
    for (int r = 0; r < rows; r++) {
      int start = at;
      for (long kk = 0; kk < k; kk++) {
        int i = (int) (r * rowStride + kk * kStride);
        if (kept[i]) {
          if (at - start == perRow) {
            throw c.fail("its sparse weight keeps more terms in output " + r + " than in output 0");
          }
          values[at] = w[i];
          taps[at++] = (int) kk;
        }
      }
      if (at - start != perRow) {
        throw c.fail("its sparse weight keeps fewer terms in output " + r + " than in output 0");
      }
    }
    return new SparseRows(rows, perRow, k, values, taps);
  }

  /** The rows as the kernels' left operand: values of {@code el}, and k as 16-bit indices where they fit. */
  GemmEmitter.Left.Sparse left(LayerContext c, ElemType el) {
    String values = c.global(this.values, el);
    if (k <= 1 << 16) {
      short[] s = new short[taps.length];
      for (int i = 0; i < s.length; i++) {
        s[i] = (short) taps[i];
      }
      return new GemmEmitter.Left.Sparse(values, c.globals().shorts(s), "i16", perRow, el);
    }
    return new GemmEmitter.Left.Sparse(values, c.global(java.util.Arrays.stream(taps).asLongStream().toArray()), "i64", perRow, el);
  }
}
