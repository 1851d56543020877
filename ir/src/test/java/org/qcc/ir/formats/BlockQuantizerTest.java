// BFP, MX and NVFP4 on random tensors against a direct reading of their definitions.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class BlockQuantizerTest {
  static Stream<BlockFormat> formats() {
    return Stream.of(
        Microscaling.MXFP8_E4M3,
        Microscaling.MXFP8_E5M2,
        Microscaling.MXFP6_E3M2,
        Microscaling.MXFP6_E2M3,
        Microscaling.MXFP4_E2M1,
        Microscaling.MXINT8,
        new Microscaling(Minifloat.FP4_E2M1, 16),
        new BlockFloat(8, 16, 8),
        new BlockFloat(4, 32, 5),
        Nvfp4.NVFP4);
  }

  /** Heavy-tailed data with zeros, tiny values and outliers, like real weights and activations. */
  static float[] data(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      double g = r.nextGaussian();
      x[i] = (float) (i % 97 == 0 ? 0 : i % 31 == 0 ? g * 1e3 : i % 13 == 0 ? g * 1e-30 : g * Math.exp(r.nextGaussian()));
    }
    return x;
  }

  /** The format's value of one element from the definitions, with blocks along the last axis of [rows, cols]. */
  static float[] reference(BlockFormat f, float[] x, int rows, int cols) {
    float[] out = new float[x.length];
    double tensorAmax = 0;
    for (float v : x) {
      tensorAmax = Math.max(tensorAmax, Math.abs(v));
    }
    ReferenceFormat element = new ReferenceFormat(f.elementFormat());
    for (int row = 0; row < rows; row++) {
      for (int b0 = 0; b0 < cols; b0 += f.blockSize()) {
        int n = Math.min(f.blockSize(), cols - b0);
        double amax = 0;
        for (int a = 0; a < n; a++) {
          amax = Math.max(amax, Math.abs(x[row * cols + b0 + a]));
        }
        double step;
        if (f instanceof Nvfp4) {
          float ts = (float) tensorAmax / (6f * 448f);
          float scale = (float) new ReferenceFormat(Minifloat.UE4M3).quantize((float) amax / 6f / ts, Rounding.NEAREST_EVEN);
          step = scale * ts;
        } else {
          int e = amax == 0 ? -1000 : (int) Math.floor(Math.log(amax) / Math.log(2));
          if (amax != 0 && Math.pow(2, e) > amax) {
            e--; // log rounding
          } else if (amax != 0 && Math.pow(2, e + 1) <= amax) {
            e++;
          }
          if (f instanceof Microscaling m) {
            int emaxElem = m.elementFormat() instanceof Minifloat mf ? (int) Math.floor(Math.log(mf.maxValue()) / Math.log(2)) : 0;
            int shared = Math.max(-127, Math.min(127, e - emaxElem));
            step = Math.pow(2, shared) * (m.elementFormat() instanceof Minifloat ? 1 : Math.pow(2, -6));
          } else {
            BlockFloat bfp = (BlockFloat) f;
            int bias = (1 << (bfp.sharedExpBits() - 1)) - 1;
            int shared = Math.max(-bias, Math.min((1 << bfp.sharedExpBits()) - 1 - bias, e));
            step = Math.pow(2, shared - (bfp.elementBits() - 2));
          }
        }
        for (int a = 0; a < n; a++) {
          int i = row * cols + b0 + a;
          out[i] = step == 0 ? 0f : (float) (element.quantize(x[i] / step, Rounding.NEAREST_EVEN) * step);
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void matchesTheDefinitionBitForBit(BlockFormat f) {
    int rows = 37;
    int cols = 100; // not a multiple of any block size: the last block is short
    float[] x = data(rows * cols, f.name().hashCode());
    float[] want = reference(f, x, rows, cols);
    float[] fake = new float[x.length];
    BlockQuantizer.fakeQuantize(f, x, new int[] {rows, cols}, 1, Rounding.NEAREST_EVEN, 0, fake);
    assertArrayEquals(want, fake, f.name());
    BlockQuantizer.Encoded e = BlockQuantizer.encode(f, x, new int[] {rows, cols}, 1, Rounding.NEAREST_EVEN, 0);
    assertArrayEquals(want, BlockQuantizer.decode(e), f.name());
    assertArrayEquals(new int[] {rows, (cols + f.blockSize() - 1) / f.blockSize()}, BlockQuantizer.scaleShape(f, new int[] {rows, cols}, 1));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void blocksAlongAnInnerAxisEqualBlocksOfTheTransposedTensor(BlockFormat f) {
    int rows = 70;
    int cols = 9;
    float[] x = data(rows * cols, 3);
    float[] t = new float[x.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = x[r * cols + c];
      }
    }
    float[] alongRows = new float[x.length];
    BlockQuantizer.fakeQuantize(f, x, new int[] {rows, cols}, 0, Rounding.NEAREST_EVEN, 0, alongRows);
    float[] alongLast = new float[x.length];
    BlockQuantizer.fakeQuantize(f, t, new int[] {cols, rows}, 1, Rounding.NEAREST_EVEN, 0, alongLast);
    double[] steps = BlockQuantizer.elementSteps(f, x, new int[] {rows, cols}, 0);
    for (int i = 0; i < x.length; i++) {
      float viaStep = steps[i] == 0 ? 0f : (float) (f.elementFormat().quantize(x[i] / steps[i], Rounding.NEAREST_EVEN, 0) * steps[i]);
      assertEquals(alongRows[i], viaStep, "element " + i + " quantized with its block's step");
    }
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        assertEquals(alongLast[c * rows + r], alongRows[r * cols + c]);
      }
    }
  }

  @Test
  void largeTensorsGiveTheSameResultInParallelAndStochasticRoundingIsReproducible() {
    float[] x = data(1 << 17, 11);
    float[] a = new float[x.length];
    float[] b = new float[x.length];
    BlockQuantizer.fakeQuantize(Microscaling.MXFP4_E2M1, x, new int[] {x.length}, 0, Rounding.STOCHASTIC, 42, a);
    BlockQuantizer.fakeQuantize(Microscaling.MXFP4_E2M1, x, new int[] {x.length}, 0, Rounding.STOCHASTIC, 42, b);
    assertArrayEquals(a, b);
    float[] small = java.util.Arrays.copyOf(x, 1000);
    float[] c = new float[1000];
    BlockQuantizer.fakeQuantize(Microscaling.MXFP4_E2M1, small, new int[] {1000}, 0, Rounding.STOCHASTIC, 42, c);
    assertArrayEquals(java.util.Arrays.copyOf(a, 992), java.util.Arrays.copyOf(c, 992)); // whole blocks agree
  }

  @Test
  void badAxisIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> BlockQuantizer.fakeQuantize(Nvfp4.NVFP4, new float[4], new int[] {4}, 1, Rounding.NEAREST_EVEN, 0, new float[4]));
  }
}
