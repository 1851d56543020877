// Matrix product of integer codes, exact, rounded once to fp32: the core of integer-accumulating layers.
package org.qcc.simulator.functional;

import java.util.stream.IntStream;

/**
 * C[i][j] = fp32(sum over k of A[i][k] * B[k][j]) for integer codes held in floats (exact below
 * 2^24). The sum is exact in an int or long accumulator (the accumulator's proven width says
 * which), so the order of terms does not matter. Where an operand holds an infinity or NaN the
 * output is the IEEE double sum of the products instead, which any such term decides alone.
 */
final class ExactGemm {
  private static final int PARALLEL_WORK = 1 << 16;

  private ExactGemm() {}

  /**
   * One operand's codes, converted once however many products use them: ints for the exact sum
   * (infinities and NaN as 0), the floats for the IEEE sum where {@code specials}.
   */
  record Codes(float[] values, int[] ints, boolean specials) {
    static Codes of(float[] values) {
      int[] ints = new int[values.length];
      boolean specials = false;
      for (int i = 0; i < values.length; i++) {
        boolean finite = Float.isFinite(values[i]);
        ints[i] = finite ? (int) values[i] : 0;
        specials |= !finite;
      }
      return new Codes(values, ints, specials);
    }
  }

  static void multiply(int m, int n, int k, Codes a, int aOff, Codes b, int bOff, float[] c, int cOff, boolean wide, boolean parallel) {
    if (parallel && (long) m * n * k >= PARALLEL_WORK && m > 1) {
      IntStream.range(0, m).parallel().forEach(i -> row(i, n, k, a.ints(), aOff, b.ints(), bOff, c, cOff, wide));
    } else {
      for (int i = 0; i < m; i++) {
        row(i, n, k, a.ints(), aOff, b.ints(), bOff, c, cOff, wide);
      }
    }
    if (a.specials() || b.specials()) {
      specials(m, n, k, a.values(), aOff, b.values(), bOff, c, cOff);
    }
  }

  private static void row(int i, int n, int k, int[] a, int aOff, int[] b, int bOff, float[] c, int cOff, boolean wide) {
    int ci = cOff + i * n;
    int ai = aOff + i * k;
    if (wide) {
      long[] acc = new long[n];
      for (int p = 0; p < k; p++) {
        long av = a[ai + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          acc[j] += av * b[bp + j];
        }
      }
      for (int j = 0; j < n; j++) {
        c[ci + j] = acc[j];
      }
    } else {
      int[] acc = new int[n];
      for (int p = 0; p < k; p++) {
        int av = a[ai + p];
        int bp = bOff + p * n;
        for (int j = 0; j < n; j++) {
          acc[j] += av * b[bp + j];
        }
      }
      for (int j = 0; j < n; j++) {
        c[ci + j] = acc[j];
      }
    }
  }

  private static void specials(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[aOff + i * k + p] * b[bOff + p * n + j];
        }
        if (!Double.isFinite(s)) {
          c[cOff + i * n + j] = (float) s;
        }
      }
    }
  }
}
