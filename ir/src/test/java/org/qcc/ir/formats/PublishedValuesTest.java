// Values and rules published in the OCP OFP8 and MX v1.0 specifications, checked entry by entry.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PublishedValuesTest {

  @Test
  void everyTableEntryOfTheSpecsDecodesAndEncodes() throws Exception {
    int checked = 0;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(getClass().getResourceAsStream("/formats/ocp-published-values.csv"), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(",", -1);
        ScalarFormat format = ElementFormats.scalar(f[0]);
        int code = Integer.parseInt(f[1].substring(2), 16);
        float want = Float.parseFloat(f[2]);
        float got = format.decode(code);
        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), line);
        if (!Float.isNaN(want) && format.isCanonical(code)) {
          assertEquals(code, format.encode(want), line);
        }
        checked++;
      }
    }
    assertEquals(51, checked);
  }

  @Test
  void rangesOfTheNamedFormats() {
    assertEquals(448f, Minifloat.FP8_E4M3.maxValue());
    assertEquals(0x1p-9f, Minifloat.FP8_E4M3.minPositive());
    assertEquals(0x1p-6f, Minifloat.FP8_E4M3.minNormal());
    assertEquals(57344f, Minifloat.FP8_E5M2.maxValue());
    assertEquals(0x1p-16f, Minifloat.FP8_E5M2.minPositive());
    assertEquals(28f, Minifloat.FP6_E3M2.maxValue());
    assertEquals(7.5f, Minifloat.FP6_E2M3.maxValue());
    assertEquals(6f, Minifloat.FP4_E2M1.maxValue());
    assertEquals(240f, Minifloat.FP8_E4M3FNUZ.maxValue());
    assertEquals(0x1p127f, E8m0Format.E8M0.maxValue());
    assertEquals((float) Math.pow(2, -127), E8m0Format.E8M0.minPositive());
    assertEquals(Float.MAX_VALUE, Float.intBitsToFloat(0x7f7fffff)); // sanity of the literal form
  }

  @Test
  void e2m1ValueSetIsTheSpecs() {
    TreeSet<Float> values = new TreeSet<>();
    for (int c = 0; c < 16; c++) {
      values.add(Math.abs(Minifloat.FP4_E2M1.decode(c)));
    }
    List<Float> want = List.of(0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f);
    assertEquals(want, new ArrayList<>(values));
  }

  @Test
  void tiesGoToEvenAndSaturationClampsWhileOverflowGoesToSpecials() {
    Minifloat e4m3 = Minifloat.FP8_E4M3;
    assertEquals(1.0f, e4m3.quantize(1.0625)); // halfway between 1.0 (even) and 1.125
    assertEquals(1.25f, e4m3.quantize(1.1875)); // halfway between 1.125 and 1.25 (even)
    assertEquals(448f, e4m3.quantize(1e6));
    assertEquals(-448f, e4m3.quantize(Double.NEGATIVE_INFINITY));
    Minifloat e4m3ovf = (Minifloat) ElementFormats.parse("e4m3fn_ovf");
    assertEquals(448f, e4m3ovf.quantize(463.99)); // below the midpoint to the next (virtual) step
    assertTrue(Float.isNaN(e4m3ovf.quantize(464.01)));
    assertTrue(Float.isNaN(e4m3ovf.quantize(Double.POSITIVE_INFINITY)));
    Minifloat e5m2ovf = (Minifloat) ElementFormats.parse("e5m2_ovf");
    assertEquals(Float.POSITIVE_INFINITY, e5m2ovf.quantize(1e6));
    assertEquals(57344f, e5m2ovf.quantize(1e6, Rounding.TOWARD_ZERO, 0)); // IEEE: directed rounding stops at max
    assertEquals(Float.NEGATIVE_INFINITY, e5m2ovf.quantize(-1e6, Rounding.FLOOR, 0));
    assertEquals(57344f, Minifloat.FP8_E5M2.quantize(Double.POSITIVE_INFINITY));
    assertTrue(Float.isNaN(Minifloat.FP8_E5M2.quantize(Double.NaN)));
    assertEquals(0f, Minifloat.FP4_E2M1.quantize(Double.NaN)); // no NaN code: documented as +0
  }

  @Test
  void negativeZeroIsKeptExceptInFnuz() {
    assertEquals(0x80, Minifloat.FP8_E4M3.encode(-0.0));
    assertEquals(0x80, Minifloat.FP8_E4M3.encode(-1e-9)); // rounds to zero, keeps its sign
    assertEquals(0x00, Minifloat.FP8_E4M3FNUZ.encode(-0.0));
    assertEquals(0x00, Minifloat.FP8_E4M3FNUZ.encode(-1e-9));
    assertEquals(0x80, Minifloat.FP8_E4M3FNUZ.encode(Double.NaN));
  }

  @Test
  void minifloatsOfHalfAndBfloatMatchTheIeeeConversions() {
    for (int c = 0; c < 65536; c++) {
      float half = Fp16.toFloat((short) c);
      float viaMinifloat = Minifloat.FP16.decode(c);
      assertEquals(Float.isNaN(half), Float.isNaN(viaMinifloat));
      if (!Float.isNaN(half)) {
        assertEquals(Float.floatToIntBits(half), Float.floatToIntBits(viaMinifloat), "fp16 code " + c);
        assertEquals(c, Minifloat.FP16.encode(half));
      }
      float bf = Bf16.toFloat((short) c);
      if (!Float.isNaN(bf)) {
        assertEquals(Float.floatToIntBits(bf), Float.floatToIntBits(Minifloat.BF16.decode(c)), "bf16 code " + c);
      }
    }
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 200_000; i++) {
      float x = Float.intBitsToFloat(rnd.nextInt());
      if (!Float.isNaN(x)) {
        assertEquals(Fp16.fromFloat(x) & 0xFFFF, Minifloat.FP16.encode(x), "fp16 of " + x);
        assertEquals(Bf16.fromFloat(x) & 0xFFFF, Minifloat.BF16.encode(x), "bf16 of " + x);
      }
    }
  }

  @Test
  void mxSharedExponentFollowsSection63() {
    // Block max 5.0 (exponent 2) in MXFP4: emax_elem of E2M1 is 2, so X = 2^(2-2) = 1.
    float[] x = new float[32];
    x[0] = 5f;
    x[1] = -0.3f;
    x[2] = 1.25f;
    BlockQuantizer.Encoded e = BlockQuantizer.encode(Microscaling.MXFP4_E2M1, x, new int[] {32}, 0, Rounding.NEAREST_EVEN, 0);
    assertEquals(127, e.scaleCodes()[0]);
    float[] v = BlockQuantizer.decode(e);
    assertArrayEquals(new float[] {4f, -0.5f, 1f}, new float[] {v[0], v[1], v[2]}); // 5 -> 4 (tie to even), -0.3 -> -0.5, 1.25 -> 1 (tie)
    // MXFP8 E4M3: emax_elem 8; block max 1000 (exponent 9) gives X = 2, and 1000/2 = 500 clamps to 448.
    x[0] = 1000f;
    e = BlockQuantizer.encode(Microscaling.MXFP8_E4M3, x, new int[] {32}, 0, Rounding.NEAREST_EVEN, 0);
    assertEquals(128, e.scaleCodes()[0]);
    assertEquals(896f, BlockQuantizer.decode(e)[0]);
    // MXINT8: emax_elem 0, elements are int8 x 2^-6. Block max 3.0 (exponent 1) gives X = 2: 3/2 = 1.5 -> 96/64.
    e = BlockQuantizer.encode(Microscaling.MXINT8, new float[] {3f, 0.01f}, new int[] {2}, 0, Rounding.NEAREST_EVEN, 0);
    assertEquals(128, e.scaleCodes()[0]);
    assertEquals(96, e.codes()[0]);
    assertEquals(3f, BlockQuantizer.decode(e)[0]);
    // NaN anywhere in a block makes the scale NaN and the whole block NaN.
    x[5] = Float.NaN;
    e = BlockQuantizer.encode(Microscaling.MXFP6_E3M2, x, new int[] {32}, 0, Rounding.NEAREST_EVEN, 0);
    assertEquals(0xFF, e.scaleCodes()[0]);
    assertTrue(Float.isNaN(BlockQuantizer.decode(e)[0]));
  }
}
