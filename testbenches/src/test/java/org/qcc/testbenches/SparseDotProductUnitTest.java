// The N:M sparse processing element against the formats library, pruned activations included.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.ScalarFormat;

class SparseDotProductUnitTest extends VerilatorTest {
  private static final int BEATS = 6;

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "int4", 2, 4, 2),
        Arguments.of("e4m3fn", "e2m1", 1, 4, 3),
        Arguments.of("e5m2", "int8", 3, 8, 1));
  }

  /**
   * Random kept weights and increasing positions per group, then 200 dot products of random
   * activation codes (NaN and infinities among them, at pruned positions too): the unit's sum is
   * that of the kept products only.
   */
  @ParameterizedTest(name = "{0} x {1} {2}:{3}, {4} groups per beat")
  @MethodSource("configs")
  void sumsTheKeptProductsOnly(String aName, String bName, int n, int m, int groups) {
    ScalarFormat a = ElementFormats.scalar(aName);
    ScalarFormat b = ElementFormats.scalar(bName);
    SplittableRandom r = new SplittableRandom(n * 31 + m);
    int[][] weights = new int[BEATS][n * groups];
    int[][] indices = new int[BEATS][n * groups];
    for (int beat = 0; beat < BEATS; beat++) {
      for (int g = 0; g < groups; g++) {
        int[] kept = keptPositions(n, m, r);
        for (int j = 0; j < n; j++) {
          indices[beat][g * n + j] = kept[j];
          weights[beat][g * n + j] = finiteCode(b, r);
        }
      }
    }
    Accumulator acc = Accumulator.exact(a, b, (long) BEATS * groups * n).orElseThrow();
    List<List<int[]>> dots = new ArrayList<>();
    List<int[][]> kept = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      List<int[]> beats = new ArrayList<>();
      int[][] pairs = new int[2][BEATS * groups * n];
      for (int beat = 0; beat < BEATS; beat++) {
        int[] x = new int[groups * m];
        for (int k = 0; k < x.length; k++) {
          x[k] = r.nextInt(a.codeCount());
        }
        beats.add(x);
        for (int lane = 0; lane < groups * n; lane++) {
          pairs[0][beat * groups * n + lane] = x[lane / n * m + indices[beat][lane]];
          pairs[1][beat * groups * n + lane] = weights[beat][lane];
        }
      }
      dots.add(beats);
      kept.add(pairs);
    }
    DotProductBench bench = DotProductBench.sparse(work.resolve(aName + "_" + bName + "_" + n + "_" + m), a, b, n, m, groups, weights, indices, acc.bits());
    List<DotProductBench.Result> got = bench.run(dots);
    for (int i = 0; i < dots.size(); i++) {
      assertEquals(DotProductUnitTest.expected(a, b, acc, kept.get(i)), got.get(i), "dot product " + i);
    }
  }

  /** {@code n} distinct positions of {@code m}, increasing (a partial Fisher-Yates shuffle, sorted). */
  private static int[] keptPositions(int n, int m, SplittableRandom r) {
    int[] p = IntStream.range(0, m).toArray();
    for (int i = 0; i < n; i++) {
      int j = i + r.nextInt(m - i);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return IntStream.of(p).limit(n).sorted().toArray();
  }

  /** A random code of {@code f} with a finite value: weights are constants the quantizer produced. */
  private static int finiteCode(ScalarFormat f, SplittableRandom r) {
    while (true) {
      int c = r.nextInt(f.codeCount());
      if (Float.isFinite(f.decode(c))) {
        return c;
      }
    }
  }
}
