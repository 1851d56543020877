// The fixed-point accumulator in which a dot product of two scalar formats is exact.
package org.qcc.ir.formats;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A signed two's-complement accumulator of {@code bits} bits whose least significant bit weighs
 * {@code 2^lsbExponent} (before the operands' scales). Every finite value of a format with at
 * most 16 bits that quantization produces is an integer multiple of the format's finest step 2^e (1 for integers, the
 * smallest subnormal step for minifloats), so a product of two codes is an integer multiple of
 * 2^(ea + eb) and a sum of products is exact in an integer register of that unit.
 *
 * <p>No overflow: with every code n of a format in [nmin, nmax], each product lies in [pmin,
 * pmax], the extremes of the four corner products, so a sum of {@code terms} products lies in
 * [terms * pmin, terms * pmax]; the width is the smallest whose range [-2^(bits-1), 2^(bits-1) -
 * 1] holds both ends, and any sum of in-range products is inside that interval. The bound is
 * tight: all-corner operands reach it.
 */
public record Accumulator(int bits, int lsbExponent) {
  /** The integer multiples of 2^lsbExponent that a format's finite values span. */
  record Grid(int lsbExponent, long min, long max) {}

  /** The exact accumulator for {@code terms} products of {@code a} and {@code b}, when both have at most 16 bits. */
  public static Optional<Accumulator> exact(ScalarFormat a, ScalarFormat b, long terms) {
    if (terms < 1) {
      throw new IllegalArgumentException("a dot product needs at least one term, got " + terms);
    }
    Optional<Grid> ga = grid(a);
    Optional<Grid> gb = grid(b);
    if (ga.isEmpty() || gb.isEmpty()) {
      return Optional.empty();
    }
    BigInteger lo = null;
    BigInteger hi = null;
    for (long x : new long[] {ga.get().min(), ga.get().max()}) {
      for (long y : new long[] {gb.get().min(), gb.get().max()}) {
        BigInteger p = BigInteger.valueOf(x).multiply(BigInteger.valueOf(y));
        lo = lo == null ? p : lo.min(p);
        hi = hi == null ? p : hi.max(p);
      }
    }
    BigInteger k = BigInteger.valueOf(terms);
    int bits = Math.max(lo.multiply(k).bitLength(), hi.multiply(k).bitLength()) + 1;
    return Optional.of(new Accumulator(bits, ga.get().lsbExponent() + gb.get().lsbExponent()));
  }

  /**
   * The exact accumulator for dot products of values of {@code data} with fixed integer weight
   * codes of unit {@code 2^weightLsb}, given for each output channel the sum of its positive codes
   * and the sum of its negative codes' magnitudes. With data codes in [dmin, dmax], a channel's sum
   * lies in [dmin * P - dmax * N, dmax * P - dmin * N] (each term is at its extreme at one end of
   * the data range), and the width is the smallest that holds every channel's ends. Empty when
   * {@code data} has more than 16 bits.
   */
  public static Optional<Accumulator> exact(ScalarFormat data, long[] positive, long[] negative, int weightLsb) {
    Optional<Grid> gd = grid(data);
    if (gd.isEmpty()) {
      return Optional.empty();
    }
    BigInteger dmin = BigInteger.valueOf(gd.get().min());
    BigInteger dmax = BigInteger.valueOf(gd.get().max());
    int bits = 2;
    for (int c = 0; c < positive.length; c++) {
      BigInteger p = BigInteger.valueOf(positive[c]);
      BigInteger n = BigInteger.valueOf(negative[c]);
      BigInteger lo = dmin.multiply(p).subtract(dmax.multiply(n));
      BigInteger hi = dmax.multiply(p).subtract(dmin.multiply(n));
      bits = Math.max(bits, Math.max(lo.bitLength(), hi.bitLength()) + 1);
    }
    return Optional.of(new Accumulator(bits, gd.get().lsbExponent() + weightLsb));
  }

  /** The exponent of the finest step of {@code f}'s values: 0 for integers, the smallest subnormal's for minifloats. */
  public static int lsbExponent(ScalarFormat f) {
    return grid(f).orElseThrow(() -> new IllegalArgumentException(f.name() + " has no integer grid of at most 16 bits")).lsbExponent();
  }

  /** The finest step of {@code f} and the range of its values in that unit; empty above 16 bits. */
  static Optional<Grid> grid(ScalarFormat f) {
    if (f.bits() > 16) {
      return Optional.empty();
    }
    int lsb = Integer.MAX_VALUE;
    for (int c = 0; c < f.codeCount(); c++) {
      double v = f.decode(c);
      if (f.isCanonical(c) && !f.isNaN(c) && Double.isFinite(v) && v != 0) {
        int e = Math.getExponent(v);
        long significand = (long) Math.scalb(Math.abs(v), 52 - e);
        lsb = Math.min(lsb, e - 52 + Long.numberOfTrailingZeros(significand));
      }
    }
    if (lsb == Integer.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(new Grid(lsb, (long) Math.scalb((double) f.minValue(), -lsb), (long) Math.scalb((double) f.maxValue(), -lsb)));
  }

  /** The accumulator's name in the format library, e.g. {@code int20}. */
  public String formatName() {
    return "int" + bits;
  }
}
