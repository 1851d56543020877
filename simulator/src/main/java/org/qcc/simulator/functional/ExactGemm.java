// Matrix product of integer codes, exact, rounded once to fp32: the core of integer-accumulating layers.
package org.qcc.simulator.functional;

import java.util.stream.IntStream;
import org.qcc.ir.ops.ExactLayer;

/**
 * C[i][j] = fp32(sum over k of A[i][k] * B[k][j]) for integer codes held in floats (exact below
 * 2^24). The sum is exact in an int or long accumulator (the accumulator's proven width says
 * which), so the order of terms does not matter. Where an operand holds an infinity or NaN the
 * output is the IEEE double sum of the products instead, which any such term decides alone.
 */
final class ExactGemm {
  private static final int PARALLEL_WORK = 1 << 16;

  private ExactGemm() {}

  static void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean wide, boolean parallel) {
    int[] ai = ints(a, aOff, m * k);
    int[] bi = ints(b, bOff, k * n);
    if (parallel && (long) m * n * k >= PARALLEL_WORK && m > 1) {
      IntStream.range(0, m).parallel().forEach(i -> row(i, n, k, ai, bi, c, cOff, wide));
    } else {
      for (int i = 0; i < m; i++) {
        row(i, n, k, ai, bi, c, cOff, wide);
      }
    }
    if (hasSpecials(a, aOff, m * k) || hasSpecials(b, bOff, k * n)) {
      specials(m, n, k, a, aOff, b, bOff, c, cOff);
    }
  }

  /** The requantized output: {@code fma(s, M[channel], bias)}, or {@code s * M[channel]} without a bias. */
  static float requantize(ExactLayer e, float s, int channel, float bias, boolean hasBias) {
    float m = e.multiplier(channel);
    return hasBias ? Math.fma(s, m, bias) : s * m;
  }

  private static void row(int i, int n, int k, int[] a, int[] b, float[] c, int cOff, boolean wide) {
    int ci = cOff + i * n;
    if (wide) {
      long[] acc = new long[n];
      for (int p = 0; p < k; p++) {
        long av = a[i * k + p];
        int bp = p * n;
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
        int av = a[i * k + p];
        int bp = p * n;
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

  private static boolean hasSpecials(float[] x, int off, int len) {
    for (int i = off; i < off + len; i++) {
      if (!Float.isFinite(x[i])) {
        return true;
      }
    }
    return false;
  }

  /** Finite codes as ints; specials become 0 and are settled by {@link #specials}. */
  private static int[] ints(float[] x, int off, int len) {
    int[] v = new int[len];
    for (int i = 0; i < len; i++) {
      float f = x[off + i];
      v[i] = Float.isFinite(f) ? (int) f : 0;
    }
    return v;
  }
}
