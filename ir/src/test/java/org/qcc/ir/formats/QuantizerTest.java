// Scaled quantization per tensor, channel and group, with every scale format.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuantizerTest {
  private static final int[] SHAPE = {6, 5, 8};

  static float[] data() {
    return BlockQuantizerTest.data(6 * 5 * 8, 5);
  }

  @Test
  void perChannelScalesCoverEachChannelsMaximum() {
    float[] x = data();
    Quantizer q = new Quantizer(IntFormat.INT8, new Granularity.PerChannel(1), ScaleFormat.FP32);
    float[] s = q.scales(x, SHAPE);
    assertEquals(5, s.length);
    assertArrayEquals(new int[] {5}, q.scaleShape(SHAPE));
    for (int c = 0; c < 5; c++) {
      float amax = 0;
      for (int o = 0; o < 6; o++) {
        for (int i = 0; i < 8; i++) {
          amax = Math.max(amax, Math.abs(x[(o * 5 + c) * 8 + i]));
        }
      }
      assertTrue((double) s[c] * 127 >= amax && s[c] <= Math.nextUp((float) (amax / 127.0)), "channel " + c);
    }
  }

  @Test
  void fakeQuantizeEqualsElementwiseDefinitionForEveryGranularity() {
    float[] x = data();
    for (Granularity g : new Granularity[] {Granularity.TENSOR, new Granularity.PerChannel(2), new Granularity.PerGroup(2, 3), new Granularity.PerGroup(0, 4)}) {
      for (ScalarFormat f : new ScalarFormat[] {IntFormat.INT8, new IntFormat(4, true, true), Minifloat.FP8_E4M3, Minifloat.FP4_E2M1}) {
        for (ScaleFormat sf : ScaleFormat.values()) {
          Quantizer q = new Quantizer(f, g, sf);
          float[] scales = q.scales(x, SHAPE);
          for (float s : scales) {
            assertTrue(sf.holds(s), sf + " holds " + s);
          }
          float[] got = new float[x.length];
          q.fakeQuantize(x, SHAPE, scales, Rounding.NEAREST_EVEN, 0, got);
          float[] viaCodes = q.decode(q.encode(x, SHAPE, scales, Rounding.NEAREST_EVEN, 0), SHAPE, scales);
          assertArrayEquals(got, viaCodes);
          float[] perElement = q.elementScales(SHAPE, scales);
          for (int idx = 0; idx < x.length; idx++) {
            int o = idx / 40;
            int c = (idx / 8) % 5;
            int i = idx % 8;
            int si =
                g instanceof Granularity.PerChannel ? i
                    : g instanceof Granularity.PerGroup pg && pg.axis() == 2 ? (o * 5 + c) * 3 + i / 3
                    : g instanceof Granularity.PerGroup ? (o / 4) * 40 + c * 8 + i
                    : 0;
            float s = scales[si];
            assertEquals(s, perElement[idx], "element " + idx + "'s scale");
            float want = f.quantize((double) x[idx] / s) * s;
            assertEquals(want, got[idx], () -> f.name() + " " + g + " " + sf);
            assertTrue(Math.abs(got[idx]) <= Math.max(f.maxValue(), -f.minValue()) * s, "never beyond the scaled range");
          }
        }
      }
    }
  }

  @Test
  void specialInputsMatchTheScalarFormat() {
    float[] x = {Float.NaN, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1e-9f, 0.5f, 1.5f, -2.5f};
    for (ScalarFormat f : new ScalarFormat[] {IntFormat.INT8, Minifloat.FP8_E4M3, Minifloat.FP8_E5M2}) {
      for (Rounding r : Rounding.values()) {
        float[] got = new float[x.length];
        Quantizer.perTensor(f).fakeQuantize(x, new int[] {x.length}, new float[] {1f}, r, 3, got);
        for (int k = 0; k < x.length; k++) {
          float want = f.quantize(x[k], r, Rounding.randomBits(3, k));
          assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[k]), f.name() + " " + r + " " + x[k]);
        }
      }
    }
  }

  @Test
  void scaleFormatsRoundUp() {
    assertEquals(0.25f, ScaleFormat.POW2.roundUp(0.2));
    assertEquals(0.25f, ScaleFormat.E8M0.roundUp(0.25));
    assertEquals((float) Math.pow(2, -127), ScaleFormat.E8M0.roundUp(1e-45));
    assertEquals(0.203125f, ScaleFormat.UE5M3.roundUp(0.2)); // 1.625 x 2^-3
    assertEquals(0.2f, ScaleFormat.FP32.roundUp(0.2f));
  }

  @Test
  void badScalesAreRejected() {
    Quantizer q = Quantizer.perTensor(IntFormat.INT8);
    assertThrows(IllegalArgumentException.class, () -> q.fakeQuantize(new float[2], new int[] {2}, new float[] {0f}, Rounding.NEAREST_EVEN, 0, new float[2]));
    assertThrows(IllegalArgumentException.class, () -> q.fakeQuantize(new float[2], new int[] {2}, new float[] {1f, 1f}, Rounding.NEAREST_EVEN, 0, new float[2]));
    Quantizer ch = new Quantizer(IntFormat.INT8, new Granularity.PerChannel(3), ScaleFormat.FP32);
    assertThrows(IllegalArgumentException.class, () -> ch.scales(new float[2], new int[] {2}));
  }
}
