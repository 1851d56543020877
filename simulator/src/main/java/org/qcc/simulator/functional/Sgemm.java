// Blocked single-precision matrix multiply, the core of Gemm, MatMul and Conv.
package org.qcc.simulator.functional;

import java.util.stream.IntStream;

/**
 * C[m][n] = sum over k of A[m][k] * B[k][n], row-major, non-transposed. Each output starts at
 * +0.0f and accumulates its products in increasing k with fused multiply-adds (one rounding per
 * term), so results are deterministic whatever the blocking and threading, and every backend can
 * reproduce them bit for bit with its FMA instruction at full speed.
 *
 * <p>With kept-masks (indexed like A and B), a product whose A or B element is pruned by N:M
 * sparsity is absent from the sum, as in sparse hardware, which never multiplies it: an infinity or
 * NaN meeting a pruned weight does not turn the output into NaN, and a -0.0 sum stays -0.0.
 */
final class Sgemm {
  private static final int KB = 256;
  private static final int PARALLEL_WORK = 1 << 16;

  private Sgemm() {}

  static void multiply(
      int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean parallel) {
    multiply(m, n, k, a, aOff, null, b, bOff, null, c, cOff, parallel);
  }

  /** The product without the terms whose A or B element is pruned ({@code aKept} or {@code bKept} false; a null mask keeps all). */
  static void multiply(
      int m, int n, int k, float[] a, int aOff, boolean[] aKept, float[] b, int bOff, boolean[] bKept, float[] c, int cOff, boolean parallel) {
    java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
    if (parallel && (long) m * n * k >= PARALLEL_WORK && m > 1) {
      IntStream.range(0, m).parallel().forEach(i -> row(i, n, k, a, aOff, aKept, b, bOff, bKept, c, cOff));
    } else {
      for (int i = 0; i < m; i++) {
        row(i, n, k, a, aOff, aKept, b, bOff, bKept, c, cOff);
      }
    }
  }

  private static void row(int i, int n, int k, float[] a, int aOff, boolean[] aKept, float[] b, int bOff, boolean[] bKept, float[] c, int cOff) {
    int ci = cOff + i * n;
    int ai = aOff + i * k;
    // Blocking over k keeps a panel of B rows hot; per output the k order stays increasing.
    for (int k0 = 0; k0 < k; k0 += KB) {
      int k1 = Math.min(k, k0 + KB);
      for (int p = k0; p < k1; p++) {
        if (aKept != null && !aKept[ai + p]) {
          continue;
        }
        float av = a[ai + p];
        int bp = bOff + p * n;
        if (bKept == null) {
          for (int j = 0; j < n; j++) {
            c[ci + j] = Math.fma(av, b[bp + j], c[ci + j]);
          }
        } else {
          for (int j = 0; j < n; j++) {
            c[ci + j] = bKept[bp + j] ? Math.fma(av, b[bp + j], c[ci + j]) : c[ci + j];
          }
        }
      }
    }
  }
}
