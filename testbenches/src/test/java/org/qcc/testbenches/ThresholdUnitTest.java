// Requantization by thresholds against the golden model's own arithmetic, at every threshold's edge.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.Thresholds;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

class ThresholdUnitTest extends VerilatorTest {

  /** Products, next format, channels, PE, ReLU, and whether one channel's multiplier is negative. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "int8", "int8", 8, 2, true, false),
        Arguments.of("int4", "int8", "uint4", 6, 3, false, true),
        Arguments.of("e4m3fn", "e4m3fn", "e4m3fn", 3, 3, true, true),
        Arguments.of("e2m1", "int4", "e2m1", 4, 1, false, false));
  }

  /**
   * The golden requantization of a channel: the sum rounded to fp32, fma with the channel's
   * multiplier and bias (as ExactLayer.requantize), the interpreter's ReLU (NaN stays, -0 becomes
   * +0), then the next format's code of the value over its scale, as its quantizer rounds.
   */
  private record Channel(float multiplier, float bias, boolean relu, float scale, ScalarFormat next) implements Thresholds.Requantizer {
    @Override
    public int code(float sum) {
      float y = Math.fma(sum, multiplier, bias);
      if (relu) {
        y = y > 0 ? y : Float.isNaN(y) ? y : 0f;
      }
      return next.encode(y / (double) scale, Rounding.NEAREST_EVEN, 0);
    }
  }

  /**
   * Sums at every threshold and one below it, the accumulator's extremes, 300 random ones, and the
   * three special classes, for every channel: each code equals the golden function's.
   */
  @ParameterizedTest(name = "{0} x {1} -> {2}, {3} channels, PE {4}, relu {5}, negative multiplier {6}")
  @MethodSource("configs")
  void everySumGetsTheGoldenCode(String aName, String bName, String nextName, int channels, int pe, boolean relu, boolean negative) {
    ScalarFormat a = ElementFormats.scalar(aName);
    ScalarFormat b = ElementFormats.scalar(bName);
    ScalarFormat next = ElementFormats.scalar(nextName);
    Accumulator acc = Accumulator.exact(a, b, 32).orElseThrow();
    SplittableRandom r = new SplittableRandom(channels * 7 + pe);
    long lo = -(1L << (acc.bits() - 1));
    long hi = (1L << (acc.bits() - 1)) - 1;
    // Multipliers that map the accumulator's range onto a few times the next format's range.
    double unit = next.maxValue() * 4.0 / hi;
    int[] codes = Thresholds.codesByValue(next);
    List<Channel> golden = new ArrayList<>();
    List<Thresholds> thresholds = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      float m = (float) (unit * (0.5 + r.nextDouble()) * (negative && c == 1 ? -1 : 1));
      Channel ch = new Channel(m, (float) (r.nextGaussian() * next.maxValue() / 4), relu, 1f, next);
      golden.add(ch);
      thresholds.add(Thresholds.of(ch, codes, acc));
    }
    List<List<ThresholdBench.Sum>> perChannel = new ArrayList<>();
    for (int c = 0; c < channels; c++) {
      List<ThresholdBench.Sum> sums = new ArrayList<>();
      for (java.math.BigInteger t : thresholds.get(c).thresholds()) {
        long u = thresholds.get(c).descending() ? -t.longValueExact() : t.longValueExact();
        for (long s : new long[] {u, thresholds.get(c).descending() ? u + 1 : u - 1}) {
          if (s >= lo && s <= hi) {
            sums.add(new ThresholdBench.Sum(s, false, false, false));
          }
        }
      }
      for (long s : new long[] {lo, hi, 0, 1, -1}) {
        sums.add(new ThresholdBench.Sum(s, false, false, false));
      }
      for (int i = 0; i < 300; i++) {
        sums.add(new ThresholdBench.Sum(r.nextLong(lo, hi + 1), false, false, false));
      }
      sums.add(new ThresholdBench.Sum(0, true, false, false));
      sums.add(new ThresholdBench.Sum(5, false, true, false));
      sums.add(new ThresholdBench.Sum(-5, false, false, true));
      perChannel.add(sums);
    }
    // Beats visit the folds in turn; a channel's lane idles on zero once its sums run out.
    int folds = channels / pe;
    int longest = perChannel.stream().mapToInt(List::size).max().orElse(0);
    List<ThresholdBench.Sum[]> beats = new ArrayList<>();
    for (int i = 0; i < longest; i++) {
      for (int f = 0; f < folds; f++) {
        ThresholdBench.Sum[] beat = new ThresholdBench.Sum[pe];
        for (int p = 0; p < pe; p++) {
          List<ThresholdBench.Sum> sums = perChannel.get(f * pe + p);
          beat[p] = i < sums.size() ? sums.get(i) : new ThresholdBench.Sum(0, false, false, false);
        }
        beats.add(beat);
      }
    }
    int outBits = Math.max(1, next.bits());
    ThresholdBench bench = ThresholdBench.build(work.resolve(aName + "_" + bName + "_" + nextName + "_" + pe), acc.bits(), outBits, pe, thresholds, codes);
    int[][] got = bench.run(beats);
    for (int i = 0; i < beats.size(); i++) {
      for (int p = 0; p < pe; p++) {
        ThresholdBench.Sum s = beats.get(i)[p];
        Channel ch = golden.get(i % folds * pe + p);
        float sum = s.nan() ? Float.NaN : s.posInf() ? Float.POSITIVE_INFINITY : s.negInf() ? Float.NEGATIVE_INFINITY : (float) s.value();
        assertEquals(ch.code(sum), got[i][p], "beat " + i + " lane " + p + " sum " + s);
      }
    }
  }
}
