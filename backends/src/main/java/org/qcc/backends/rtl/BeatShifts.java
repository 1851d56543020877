// Block-scaled weights stored narrow: each beat's codes divided by the power of two they share.
package org.qcc.backends.rtl;

import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A block-scaled weight (BFP, OCP MX; {@link org.qcc.ir.ops.BlockWeight}) reaches the chain as
 * integer codes as wide as its block scales' spread, yet the codes of one beat (a row's {@code
 * simd} consecutive columns) mostly share their block's scale. Each beat is stored divided by the
 * largest power of two that divides all its codes, with that exponent as the beat's shift, which
 * the dot-product unit applies to the beat's sum of products: exact for any weights. The stored
 * values are kept in the block format's element format when it holds them all and is narrower (a
 * beat inside a block then stores its elements: MXFP8's E4M3 codes), else as integers.
 *
 * @param format the format of the stored codes: the element format, or a signed integer
 * @param codes the stored codes [rows][cols], encoded in {@code format}
 * @param shifts each beat's shift [rows][cols / simd]
 */
record BeatShifts(ScalarFormat format, int[][] codes, int[][] shifts) {
  /** The beats of {@code codes} (encoded in {@code wide}) factored for {@code simd} lanes, stored in {@code element} where it can. */
  static BeatShifts of(int[][] codes, IntFormat wide, int simd, ScalarFormat element) {
    int rows = codes.length;
    int folds = codes[0].length / simd;
    long[][] values = new long[rows][codes[0].length];
    int[][] shifts = new int[rows][folds];
    long max = 1;
    for (int r = 0; r < rows; r++) {
      for (int f = 0; f < folds; f++) {
        int shift = Integer.MAX_VALUE;
        for (int k = f * simd; k < (f + 1) * simd; k++) {
          values[r][k] = (long) wide.decode(codes[r][k]);
          if (values[r][k] != 0) {
            shift = Math.min(shift, Long.numberOfTrailingZeros(values[r][k]));
          }
        }
        shifts[r][f] = shift == Integer.MAX_VALUE ? 0 : shift;
        for (int k = f * simd; k < (f + 1) * simd; k++) {
          values[r][k] >>= shifts[r][f];
          max = Math.max(max, Math.abs(values[r][k]));
        }
      }
    }
    IntFormat narrow = new IntFormat(64 - Long.numberOfLeadingZeros(max) + 1, true, false);
    boolean asElements = element.bits() < narrow.bits() && holds(element, values);
    int lsb = asElements ? Accumulator.lsbExponent(element) : 0;
    ScalarFormat stored = asElements ? element : narrow;
    int[][] out = new int[rows][codes[0].length];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < out[r].length; k++) {
        out[r][k] = stored.encode(Math.scalb((double) values[r][k], lsb), Rounding.NEAREST_EVEN, 0);
      }
    }
    return new BeatShifts(stored, out, shifts);
  }

  /** Whether {@code element} represents every value, taken as a code on its finest grid, exactly. */
  private static boolean holds(ScalarFormat element, long[][] values) {
    int lsb = Accumulator.lsbExponent(element);
    for (long[] row : values) {
      for (long v : row) {
        double x = Math.scalb((double) v, lsb);
        if (element.quantize(x, Rounding.NEAREST_EVEN, 0) != x) {
          return false;
        }
      }
    }
    return true;
  }

  /** The bits a beat's shift takes: enough for the largest. */
  int shiftBits() {
    int max = 0;
    for (int[] row : shifts) {
      for (int s : row) {
        max = Math.max(max, s);
      }
    }
    return 32 - Integer.numberOfLeadingZeros(max);
  }
}
