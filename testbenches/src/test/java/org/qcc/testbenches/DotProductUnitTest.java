// The generated dot-product units against the formats library: every code pair, then long dot products.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.ScalarFormat;

class DotProductUnitTest extends VerilatorTest {
  private static final int LANES = 3;

  /** Bipolar (XNOR-popcount), integer, minifloat and mixed pairs: OCP FP4 (no specials), E4M3 (ieee and fn), E5M2 (ieee), fnuz, unsigned, without subnormals. */
  static Stream<Arguments> pairs() {
    return Stream.of(
        Arguments.of("bipolar", "bipolar"),
        Arguments.of("bipolar", "int4"),
        Arguments.of("int4", "int4"),
        Arguments.of("uint4", "int3"),
        Arguments.of("e2m1", "e2m1"),
        Arguments.of("e2m1", "int4"),
        Arguments.of("ue4m3", "e3m2_nosub"),
        Arguments.of("int8", "int8"),
        Arguments.of("e4m3", "e4m3"),
        Arguments.of("e4m3fn", "e5m2"),
        Arguments.of("e5m2", "e5m2"),
        Arguments.of("e4m3fnuz", "int8"),
        Arguments.of("e3m4", "e2m5"));
  }

  /**
   * Every pair of codes, {@link #LANES} times, as one beat (products, specials, signed zeros),
   * then 300 dot products of 1 to 13 beats of random codes (a few specials among them), and one of
   * all-corner operands as long as the accumulator was sized for, which reaches its bound. Whole
   * beats only: padding a beat with code 0 would add -1 products in bipolar.
   */
  @ParameterizedTest(name = "{0} x {1}")
  @MethodSource("pairs")
  void equalsTheFormatsLibrary(String aName, String bName) {
    ScalarFormat a = ElementFormats.scalar(aName);
    ScalarFormat b = ElementFormats.scalar(bName);
    int terms = 66;
    Accumulator acc = Accumulator.exact(a, b, terms).orElseThrow();
    List<int[][]> dots = new ArrayList<>();
    for (int x = 0; x < a.codeCount(); x++) {
      for (int y = 0; y < b.codeCount(); y++) {
        dots.add(new int[][] {{x, x, x}, {y, y, y}});
      }
    }
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 300; i++) {
      int n = LANES * (1 + r.nextInt(13));
      int[][] d = new int[2][n];
      for (int k = 0; k < n; k++) {
        d[0][k] = r.nextInt(a.codeCount());
        d[1][k] = r.nextInt(b.codeCount());
      }
      dots.add(d);
    }
    dots.add(corners(a, b, terms));
    DotProductBench bench = DotProductBench.dense(work.resolve(aName + "_" + bName), a, b, LANES, acc.bits());
    List<DotProductBench.Result> got = bench.run(DotProductBench.pairBeats(dots, LANES));
    for (int i = 0; i < dots.size(); i++) {
      assertEquals(expected(a, b, acc, dots.get(i)), got.get(i), aName + " x " + bName + " dot product " + i);
    }
  }

  /**
   * One-term int4 x e5m2 dot products have 36-bit exact sums, narrower than the unit's 38-bit
   * product word: every pair of codes through a one-lane unit sized for one term equals the formats
   * library, the unit wrapping its products to the accumulator.
   */
  @Test
  void accumulatorsNarrowerThanTheProductWordAreExact() {
    ScalarFormat a = ElementFormats.scalar("int4");
    ScalarFormat b = ElementFormats.scalar("e5m2");
    Accumulator acc = Accumulator.exact(a, b, 1).orElseThrow();
    assertEquals(36, acc.bits());
    List<int[][]> dots = new ArrayList<>();
    for (int x = 0; x < a.codeCount(); x++) {
      for (int y = 0; y < b.codeCount(); y++) {
        dots.add(new int[][] {{x}, {y}});
      }
    }
    DotProductBench bench = DotProductBench.dense(work.resolve("int4_e5m2_one_term"), a, b, 1, acc.bits());
    List<DotProductBench.Result> got = bench.run(DotProductBench.pairBeats(dots, 1));
    for (int i = 0; i < dots.size(); i++) {
      assertEquals(expected(a, b, acc, dots.get(i)), got.get(i), "int4 x e5m2 codes " + dots.get(i)[0][0] + ", " + dots.get(i)[1][0]);
    }
  }

  /** The largest-magnitude products of one sign, {@code terms} of them. */
  private static int[][] corners(ScalarFormat a, ScalarFormat b, int terms) {
    int[] best = {0, 0};
    double most = -1;
    for (int x = 0; x < a.codeCount(); x++) {
      for (int y = 0; y < b.codeCount(); y++) {
        double p = (double) a.decode(x) * b.decode(y);
        if (Double.isFinite(p) && Math.abs(p) > most) {
          most = Math.abs(p);
          best = new int[] {x, y};
        }
      }
    }
    int[][] d = new int[2][terms];
    java.util.Arrays.fill(d[0], best[0]);
    java.util.Arrays.fill(d[1], best[1]);
    return d;
  }

  /** The golden result: the IEEE class when a special takes part, else the exact sum on the grid. */
  static DotProductBench.Result expected(ScalarFormat a, ScalarFormat b, Accumulator acc, int[][] d) {
    double ieee = 0;
    BigInteger sum = BigInteger.ZERO;
    for (int k = 0; k < d[0].length; k++) {
      double x = a.decode(d[0][k]);
      double y = b.decode(d[1][k]);
      ieee += x * y;
      if (Double.isFinite(x) && Double.isFinite(y)) {
        sum = sum.add(gridProduct(a, b, x, y));
      }
    }
    return result(sum, ieee);
  }

  /** {@code x * y}, both finite, on the grid 2^(lsbA + lsbB). */
  static BigInteger gridProduct(ScalarFormat a, ScalarFormat b, double x, double y) {
    return grid(x, Accumulator.lsbExponent(a)).multiply(grid(y, Accumulator.lsbExponent(b)));
  }

  /** The IEEE class of {@code ieee} when a special took part in it, else the exact {@code sum}. */
  static DotProductBench.Result result(BigInteger sum, double ieee) {
    boolean special = Double.isNaN(ieee) || Double.isInfinite(ieee);
    return special ? new DotProductBench.Result(BigInteger.ZERO, Double.isNaN(ieee), ieee == Double.POSITIVE_INFINITY, ieee == Double.NEGATIVE_INFINITY) : new DotProductBench.Result(sum, false, false, false);
  }

  private static BigInteger grid(double v, int lsb) {
    return BigInteger.valueOf((long) Math.scalb(v, -lsb));
  }
}
