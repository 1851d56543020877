// The block dot-product unit (BFP shared exponents, MX E8M0 scales) against exact sums from the formats library.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.hw.BlockScale;
import org.qcc.ir.formats.BlockFloat;
import org.qcc.ir.formats.Microscaling;
import org.qcc.ir.formats.ScalarFormat;

class BlockDotProductUnitTest extends VerilatorTest {
  private static final int BLOCKS = 4;

  /** BFP (bfp8, 16 per block, 8-bit shared exponents), MXFP8 E4M3, MXFP4 E2M1, and MXINT8 with MXFP8 E5M2 (infinities). */
  static Stream<Arguments> formats() {
    BlockFloat bfp = new BlockFloat(8, 16, 8);
    return Stream.of(
        Arguments.of("bfp8", bfp.elementFormat(), bfp.elementFormat(), bfp.blockSize(), BlockScale.bfp(8)),
        Arguments.of("mxfp8_e4m3", Microscaling.MXFP8_E4M3.elementFormat(), Microscaling.MXFP8_E4M3.elementFormat(), 32, BlockScale.E8M0()),
        Arguments.of("mxfp4", Microscaling.MXFP4_E2M1.elementFormat(), Microscaling.MXFP4_E2M1.elementFormat(), 32, BlockScale.E8M0()),
        Arguments.of("mxint8_x_mxfp8_e5m2", Microscaling.MXINT8.elementFormat(), Microscaling.MXFP8_E5M2.elementFormat(), 32, BlockScale.E8M0()));
  }

  /**
   * 200 dot products of 1 to {@value #BLOCKS} blocks: random element codes (a NaN or infinity now
   * and then), random scale codes with both extremes and, for MX, the NaN scale; and one dot
   * product of the largest products at the largest scales, which reaches the accumulator's bound.
   * Each result equals the exact sum of the blocks' products shifted by their scale codes.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void equalsTheExactBlockSum(String name, ScalarFormat a, ScalarFormat b, int block, BlockScale scale) {
    SplittableRandom r = new SplittableRandom(name.hashCode());
    List<List<int[]>> dots = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      boolean specials = i % 10 == 0;
      List<int[]> beats = new ArrayList<>();
      int n = 1 + r.nextInt(BLOCKS);
      for (int k = 0; k < n; k++) {
        int[] beat = new int[2 * block + 2];
        for (int l = 0; l < block; l++) {
          beat[2 * l] = code(a, r, specials);
          beat[2 * l + 1] = code(b, r, specials);
        }
        beat[2 * block] = scaleCode(scale, r, i);
        beat[2 * block + 1] = scaleCode(scale, r, i + 1);
        beats.add(beat);
      }
      dots.add(beats);
    }
    dots.add(largest(a, b, block, scale));
    DotProductBench bench = DotProductBench.block(work.resolve(name), a, b, block, scale, BLOCKS);
    List<DotProductBench.Result> got = bench.run(dots);
    for (int i = 0; i < dots.size(); i++) {
      assertEquals(expected(a, b, block, scale, dots.get(i)), got.get(i), name + " dot product " + i);
    }
  }

  /** A random element code: finite unless {@code specials}. */
  private static int code(ScalarFormat f, SplittableRandom r, boolean specials) {
    while (true) {
      int c = r.nextInt(f.codeCount());
      if (specials || Double.isFinite(f.decode(c))) {
        return c;
      }
    }
  }

  /** A random scale code; every 7th dot product the top one, every 11th 0, every 13th NaN (MX). */
  private static int scaleCode(BlockScale s, SplittableRandom r, int i) {
    if (s.nanCode() && i % 13 == 0) {
      return s.maxCode() + 1;
    }
    return i % 7 == 0 ? s.maxCode() : i % 11 == 0 ? 0 : r.nextInt(s.maxCode() + 1);
  }

  /** {@value #BLOCKS} blocks of the largest-magnitude positive product at the top scales. */
  private static List<int[]> largest(ScalarFormat a, ScalarFormat b, int block, BlockScale scale) {
    int[] best = {0, 0};
    double most = -1;
    for (int x = 0; x < a.codeCount(); x++) {
      for (int y = 0; y < b.codeCount(); y++) {
        double p = a.decode(x) * b.decode(y);
        if (Double.isFinite(p) && p > most) {
          most = p;
          best = new int[] {x, y};
        }
      }
    }
    List<int[]> beats = new ArrayList<>();
    for (int k = 0; k < BLOCKS; k++) {
      int[] beat = new int[2 * block + 2];
      for (int l = 0; l < block; l++) {
        beat[2 * l] = best[0];
        beat[2 * l + 1] = best[1];
      }
      beat[2 * block] = scale.maxCode();
      beat[2 * block + 1] = scale.maxCode();
      beats.add(beat);
    }
    return beats;
  }

  /** The exact result on the grid 2^(lsbA + lsbB), scale codes as shifts; the IEEE class when a special takes part. */
  private static DotProductBench.Result expected(ScalarFormat a, ScalarFormat b, int block, BlockScale scale, List<int[]> beats) {
    double ieee = 0;
    BigInteger sum = BigInteger.ZERO;
    for (int[] beat : beats) {
      int shift = beat[2 * block] + beat[2 * block + 1];
      boolean nanScale = scale.nanCode() && (beat[2 * block] > scale.maxCode() || beat[2 * block + 1] > scale.maxCode());
      BigInteger blockSum = BigInteger.ZERO;
      for (int l = 0; l < block; l++) {
        double x = a.decode(beat[2 * l]);
        double y = b.decode(beat[2 * l + 1]);
        ieee += x * y;
        if (Double.isFinite(x) && Double.isFinite(y)) {
          blockSum = blockSum.add(DotProductUnitTest.gridProduct(a, b, x, y));
        }
      }
      if (nanScale) {
        ieee = Double.NaN;
      }
      sum = sum.add(blockSum.shiftLeft(shift));
    }
    return DotProductUnitTest.result(sum, ieee);
  }
}
