// Exhaustive checks of the fp16 and bf16 conversions.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HalfFloatTest {
  /** The value of a binary16 code from its definition: (-1)^s * 2^(e-15) * (1 + m/1024). */
  private static double fp16Value(int code) {
    int s = code >>> 15;
    int e = (code >>> 10) & 0x1F;
    int m = code & 0x3FF;
    double sign = s == 1 ? -1 : 1;
    if (e == 0x1F) {
      return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
    }
    if (e == 0) {
      return sign * m * Math.pow(2, -24);
    }
    return sign * Math.pow(2, e - 15) * (1 + m / 1024.0);
  }

  @Test
  void everyFp16CodeDecodesAndRoundTrips() {
    for (int c = 0; c < 1 << 16; c++) {
      float v = Fp16.toFloat((short) c);
      double expected = fp16Value(c);
      if (Double.isNaN(expected)) {
        assertTrue(Float.isNaN(v));
        continue;
      }
      assertEquals(expected, v, 0.0, "code " + c);
      assertEquals(c, Fp16.fromFloat(v) & 0xFFFF, "code " + c);
    }
  }

  @Test
  void fp16RoundsToNearestEven() {
    // 1 + 2^-11 is halfway between 1 and the next fp16 (1 + 2^-10): ties to even gives 1.
    assertEquals(1.0f, Fp16.toFloat(Fp16.fromFloat(1f + 0x1p-11f)));
    assertEquals(1f + 0x1p-9f, Fp16.toFloat(Fp16.fromFloat(1f + 0x1p-10f + 0x1p-11f)));
    assertEquals(Float.POSITIVE_INFINITY, Fp16.toFloat(Fp16.fromFloat(65520f)));
    assertEquals(65504f, Fp16.toFloat(Fp16.fromFloat(65519f)));
    assertEquals(0x1p-24f, Fp16.toFloat(Fp16.fromFloat(0x1p-24f)));
    assertEquals(0f, Fp16.toFloat(Fp16.fromFloat(0x1p-25f)));
  }

  @Test
  void everyBf16CodeRoundTrips() {
    for (int c = 0; c < 1 << 16; c++) {
      float v = Bf16.toFloat((short) c);
      if (Float.isNaN(v)) {
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(v))));
        continue;
      }
      assertEquals(c, Bf16.fromFloat(v) & 0xFFFF);
    }
  }
}
