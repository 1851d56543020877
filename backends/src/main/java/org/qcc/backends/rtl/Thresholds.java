// The thresholds that turn an exact accumulator sum into the next layer's code, as the golden model does.
package org.qcc.backends.rtl;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.LongToIntFunction;
import java.util.stream.IntStream;
import org.qcc.hw.ChannelThresholds;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ScalarFormat;

/**
 * One output channel's requantization as comparisons: the golden model maps a layer's exact sum S
 * to the next layer's input code by rounding S to fp32, its multiply-add, ReLU and the next
 * quantizer, every step monotone (correctly rounded monotone operations are monotone), so the code's
 * rank among the next format's codes ordered by value is {@code base + #{k : u >= thresholds[k]}}
 * with {@code u = S}, or {@code u = -S} when the channel's multiplier is negative. Each threshold is
 * found by bisection over the accumulator's whole range with the golden function itself, so the
 * hardware reproduces it for every sum, not only for sampled ones.
 */
public record Thresholds(boolean descending, int base, BigInteger[] thresholds, int nanCode, int posInfCode, int negInfCode) {

  /** The code the golden model gives a sum once rounded to fp32 (NaN and infinities included). */
  @FunctionalInterface
  public interface Requantizer {
    int code(float sum);
  }

  /** The code the golden model gives an fp64 value. */
  @FunctionalInterface
  public interface DoubleRequantizer {
    int code(double x);
  }

  /** The codes of {@code f} that are not NaN, by value, -0 before +0: a rank is an index here. */
  public static int[] codesByValue(ScalarFormat f) {
    return IntStream.range(0, f.codeCount())
        .filter(c -> f.isCanonical(c) && !Float.isNaN(f.decode(c)))
        .boxed()
        .sorted(Comparator.comparing((Integer c) -> f.decode(c), Float::compare))
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** The thresholds of {@code requantizer} over every sum {@code acc} can hold; {@code codes} from {@link #codesByValue}. */
  public static Thresholds of(Requantizer requantizer, int[] codes, Accumulator acc) {
    long lo = -(1L << (acc.bits() - 1));
    long hi = (1L << (acc.bits() - 1)) - 1;
    return over(s -> requantizer.code((float) s), lo, hi, codes, requantizer.code(Float.NaN), requantizer.code(Float.POSITIVE_INFINITY), requantizer.code(Float.NEGATIVE_INFINITY));
  }

  /**
   * The thresholds of {@code requantizer} over fp32 values, on the keys the hardware compares
   * (FloatKeys.signed: the magnitude bits, or their complement for a negative number), from -inf
   * to +inf; NaN is flagged apart.
   */
  public static Thresholds ofFloat(Requantizer requantizer, int[] codes) {
    long inf = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
    LongToIntFunction code = k -> requantizer.code(Float.intBitsToFloat(k >= 0 ? (int) k : (int) ~k | Integer.MIN_VALUE));
    return over(code, ~inf, inf, codes, requantizer.code(Float.NaN), code.applyAsInt(inf), code.applyAsInt(~inf));
  }

  /** The thresholds of {@code requantizer} over fp64 values, on keys as {@link #ofFloat}'s. */
  public static Thresholds ofDouble(DoubleRequantizer requantizer, int[] codes) {
    long inf = Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
    LongToIntFunction code = k -> requantizer.code(Double.longBitsToDouble(k >= 0 ? k : ~k | Long.MIN_VALUE));
    return over(code, ~inf, inf, codes, requantizer.code(Double.NaN), code.applyAsInt(inf), code.applyAsInt(~inf));
  }

  /** The thresholds of the nondecreasing or nonincreasing {@code code} over the keys {@code lo} to {@code hi}. */
  private static Thresholds over(LongToIntFunction code, long lo, long hi, int[] codes, int nanCode, int posInfCode, int negInfCode) {
    int[] rankOf = new int[Arrays.stream(codes).max().orElse(0) + 1];
    Arrays.fill(rankOf, -1);
    for (int r = 0; r < codes.length; r++) {
      rankOf[codes[r]] = r;
    }
    Rank rank = s -> {
      int c = code.applyAsInt(s);
      if (c < 0 || c >= rankOf.length || rankOf[c] < 0) {
        throw new IllegalArgumentException("requantizing the sum " + s + " gives code " + c + ", which is NaN or not a code of the next format");
      }
      return rankOf[c];
    };
    boolean descending = rank.of(lo) > rank.of(hi);
    // u runs over [uLo, uHi]; g(u) = rank(u) or rank(-u) is nondecreasing.
    long uLo = descending ? -hi : lo;
    long uHi = descending ? -lo : hi;
    Rank g = descending ? u -> rank.of(-u) : rank;
    int base = g.of(uLo);
    int top = g.of(uHi);
    BigInteger[] t = new BigInteger[Math.max(0, top - base)];
    long from = uLo;
    for (int k = base + 1; k <= top; k++) {
      // The smallest u with g(u) >= k, searched above the previous threshold.
      long a = from;
      long b = uHi;
      while (a < b) {
        // The floor of the mean, without overflow over fp64 keys' whole range.
        long mid = (a & b) + ((a ^ b) >> 1);
        if (g.of(mid) >= k) {
          b = mid;
        } else {
          a = mid + 1;
        }
      }
      t[k - base - 1] = BigInteger.valueOf(a);
      from = a;
    }
    return new Thresholds(descending, base, t, nanCode, posInfCode, negInfCode);
  }

  /** The channel as the threshold unit's generator takes it. */
  public ChannelThresholds hardware() {
    return ChannelThresholds.of(descending, base, thresholds, nanCode, posInfCode, negInfCode);
  }

  private interface Rank {
    int of(long sum);
  }
}
