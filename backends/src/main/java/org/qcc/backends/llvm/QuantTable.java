// A scalar format's quantizer as a sorted threshold table, for generated code.
package org.qcc.backends.llvm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

/**
 * {@code format.quantize(y, rounding)} for every double {@code y}, as a step function over the
 * total order of doubles (-0 before +0): {@code values[i]} for keys in {@code [keys[i-1], keys[i])}.
 * The steps are found by bisection against the formats library itself, so whatever it does at
 * ties, overflow, signed zeros and infinities the table does too; NaN maps to {@code nanValue}.
 */
record QuantTable(long[] keys, float[] values, float nanValue) {
  /** Formats of at most this many bits get a table (256 steps at most, plus overflow steps). */
  static final int MAX_BITS = 8;

  /** The position of {@code y} in the total order of doubles, as a signed long. */
  static long key(double y) {
    long bits = Double.doubleToRawLongBits(y);
    return bits >= 0 ? bits : bits ^ Long.MAX_VALUE;
  }

  private static double fromKey(long key) {
    return Double.longBitsToDouble(key >= 0 ? key : key ^ Long.MAX_VALUE);
  }

  static QuantTable of(ScalarFormat format, Rounding rounding) {
    if (format.bits() > MAX_BITS || rounding == Rounding.STOCHASTIC) {
      throw new IllegalArgumentException("no table for " + format.name() + " with " + rounding.id() + " rounding");
    }
    // Every representable value is its own image; the switch between two neighbours lies between them.
    TreeSet<Long> anchors = new TreeSet<>();
    for (int code = 0; code < 1 << format.bits(); code++) {
      double v = format.decode(code);
      if (!Double.isNaN(v)) {
        anchors.add(key(v));
      }
    }
    for (double v : new double[] {Double.NEGATIVE_INFINITY, -Double.MAX_VALUE, -0.0, 0.0, Double.MAX_VALUE, Double.POSITIVE_INFINITY}) {
      anchors.add(key(v));
    }
    List<Long> keys = new ArrayList<>();
    List<Float> values = new ArrayList<>();
    Long prev = null;
    float prevImage = 0;
    for (long a : anchors) {
      float image = q(format, rounding, fromKey(a));
      if (prev == null) {
        values.add(image);
      } else if (bits(prevImage) != bits(image)) {
        long switchKey = firstChange(format, rounding, prev, a);
        keys.add(switchKey);
        values.add(q(format, rounding, fromKey(switchKey)));
      }
      prev = a;
      prevImage = image;
    }
    return new QuantTable(keys.stream().mapToLong(Long::longValue).toArray(), toArray(values), q(format, rounding, Double.NaN));
  }

  /** The smallest key in (lo, hi] whose image differs from lo's, assuming one switch in between. */
  private static long firstChange(ScalarFormat f, Rounding r, long lo, long hi) {
    int low = bits(q(f, r, fromKey(lo)));
    long a = lo;
    long b = hi;
    while (b - a > 1) {
      long mid = a + (b - a) / 2;
      if (bits(q(f, r, fromKey(mid))) == low) {
        a = mid;
      } else {
        b = mid;
      }
    }
    return b;
  }

  private static float q(ScalarFormat f, Rounding r, double y) {
    return f.quantize(y, r, 0);
  }

  private static int bits(float v) {
    return Float.floatToRawIntBits(v);
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }

  /** What the generated code computes: the table lookup. */
  float lookup(double y) {
    if (Double.isNaN(y)) {
      return nanValue;
    }
    long k = key(y);
    int pos = 0;
    while (pos < keys.length && keys[pos] <= k) {
      pos++;
    }
    return values[pos];
  }

  /**
   * Threshold keys padded with {@link Long#MAX_VALUE} to the smallest power of two above their
   * count, for the branch-free binary search {@code for s = n/2 .. 1: if keys[pos+s-1] <= k: pos += s}.
   */
  long[] paddedKeys() {
    long[] out = new long[Math.max(1, Integer.highestOneBit(keys.length) << 1)];
    java.util.Arrays.fill(out, Long.MAX_VALUE);
    System.arraycopy(keys, 0, out, 0, keys.length);
    return out;
  }
}
