// Matrix product of integer codes, exact, rounded once to fp32: the core of integer-accumulating layers.
package org.qcc.simulator.functional;

import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * C[i][j] = fp32(sum over k of A[i][k] * B[k][j]) for integer codes held in floats (exact: a code
 * is a format's significand times a power of two, up to 2^32 for E5M2 on its finest grid). The sum
 * is exact in an int or long accumulator (the accumulator's proven width says
 * which), so the order of terms does not matter. Where an operand holds an infinity or NaN the
 * output is the IEEE double sum of the products instead, which any such term decides alone.
 */
final class ExactGemm {
  private static final int PARALLEL_WORK = 1 << 16;

  private ExactGemm() {}

  /**
   * One operand's codes, converted once however many products use them: ints for the exact sum
   * (infinities and NaN as 0), or longs where a code is beyond int (E5M2's largest, 57344 on a
   * grid of 2^-16, are 2^31.8); the floats for the IEEE sum where {@code specials}.
   */
  record Codes(float[] values, int[] ints, long[] longs, boolean specials) {
    static Codes of(float[] values) {
      int[] ints = new int[values.length];
      boolean specials = false;
      boolean fitInt = true;
      for (int i = 0; i < values.length; i++) {
        boolean finite = Float.isFinite(values[i]);
        ints[i] = finite ? (int) values[i] : 0;
        specials |= !finite;
        // (int) saturates, so a code beyond int comes back different.
        fitInt &= !finite || (double) ints[i] == values[i];
      }
      if (fitInt) {
        return new Codes(values, ints, null, specials);
      }
      long[] longs = new long[values.length];
      for (int i = 0; i < values.length; i++) {
        longs[i] = Float.isFinite(values[i]) ? (long) values[i] : 0;
      }
      return new Codes(values, null, longs, specials);
    }

    /** The codes as longs, converted from the ints when they fit them. */
    long[] asLongs() {
      return longs != null ? longs : Arrays.stream(ints).asLongStream().toArray();
    }
  }

  static void multiply(int m, int n, int k, Codes a, int aOff, Codes b, int bOff, float[] c, int cOff, boolean wide, boolean parallel) {
    IntConsumer row;
    if (!wide && a.ints() != null && b.ints() != null) {
      row = i -> intRow(i, n, k, a.ints(), aOff, b.ints(), bOff, c, cOff);
    } else {
      // Sums beyond 32 bits, or a code beyond int (then any sum with a nonzero product is wide too).
      long[] al = a.asLongs();
      long[] bl = b.asLongs();
      row = i -> longRow(i, n, k, al, aOff, bl, bOff, c, cOff);
    }
    if (parallel && (long) m * n * k >= PARALLEL_WORK && m > 1) {
      IntStream.range(0, m).parallel().forEach(row);
    } else {
      for (int i = 0; i < m; i++) {
        row.accept(i);
      }
    }
    if (a.specials() || b.specials()) {
      specials(m, n, k, a.values(), aOff, b.values(), bOff, c, cOff);
    }
  }

  private static void intRow(int i, int n, int k, int[] a, int aOff, int[] b, int bOff, float[] c, int cOff) {
    int ci = cOff + i * n;
    int ai = aOff + i * k;
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

  private static void longRow(int i, int n, int k, long[] a, int aOff, long[] b, int bOff, float[] c, int cOff) {
    int ci = cOff + i * n;
    int ai = aOff + i * k;
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
