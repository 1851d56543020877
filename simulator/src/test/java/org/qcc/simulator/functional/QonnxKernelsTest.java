package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;

/** QONNX's quantizers against QONNX's documented tables and its reference code's quirks. */
class QonnxKernelsTest {
  private static float[] run(String op, String attrs, float[] x, String... params) {
    StringBuilder consts = new StringBuilder();
    StringBuilder args = new StringBuilder("%x");
    for (int i = 0; i < params.length; i++) {
      consts.append("  const %p").append(i).append(": fp32[] = [").append(params[i]).append("]\n");
      args.append(", %p").append(i);
    }
    String text =
        "graph \"q\" opsets(\"\" = 17, \"qonnx.custom_op.general\" = 1) {\n  input %x: fp32[" + x.length + "]\n" + consts
            + "  %y: fp32[" + x.length + "] = qonnx.custom_op.general." + op + "(" + args + ") " + attrs + " loc(\"q\")\n  output %y\n}\n";
    Graph g = QirParser.parse(text, "q.qir");
    Verifier.standard().inferTypes(g);
    Verifier.standard().verifyOrThrow(g);
    return ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, new int[] {x.length}, x))).get(0)).data();
  }

  private static final float[] TABLE_INPUTS = {5.5f, 2.5f, 1.6f, 1.1f, 1.0f, -1.0f, -1.1f, -1.6f, -2.5f, -5.5f};

  /** The rounding-mode table of QONNX's IntQuant documentation, column by column. */
  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "ROUND; 6,2,2,1,1,-1,-1,-2,-2,-6",
        "CEIL; 6,3,2,2,1,-1,-1,-1,-2,-5",
        "FLOOR; 5,2,1,1,1,-1,-2,-2,-3,-6",
        "UP; 6,3,2,2,1,-1,-2,-2,-3,-6",
        "DOWN; 5,2,1,1,1,-1,-1,-1,-2,-5",
        "HALF_UP; 6,3,2,1,1,-1,-1,-2,-3,-6",
        "HALF_DOWN; 5,2,2,1,1,-1,-1,-2,-2,-5"
      })
  void quantRoundsAsQonnxDocumentsIt(String mode, String expected) {
    float[] want = new float[TABLE_INPUTS.length];
    String[] parts = expected.split(",");
    for (int i = 0; i < want.length; i++) {
      want[i] = Float.parseFloat(parts[i]);
    }
    float[] got = run("Quant", "{narrow = 0, rounding_mode = \"" + mode.toLowerCase() + "\", signed = 1}", TABLE_INPUTS, "1.0", "0.0", "8.0");
    assertArrayEquals(want, got, mode);
  }

  @Test
  void quantRangesIncludeQonnxsUnsignedNarrowQuirk() {
    float[] x = {-3f, 300f};
    assertArrayEquals(new float[] {0f, 254f}, run("Quant", "{narrow = 1, signed = 0}", x, "1.0", "0.0", "8.0"));
    assertArrayEquals(new float[] {-127f, 127f}, run("Quant", "{narrow = 1, signed = 1}", new float[] {-300f, 300f}, "1.0", "0.0", "8.0"));
    // One signed bit is bipolar.
    assertArrayEquals(new float[] {-0.5f, 0.5f, 0.5f}, run("Quant", "{narrow = 0, signed = 1}", new float[] {-0.1f, 0f, 3f}, "0.5", "0.0", "1.0"));
  }

  @Test
  void quantDividesInFloat32BeforeRounding() {
    // 0.25 / 0.1f is 2.49999996... exactly, but 2.5 in float32: HALF_UP then rounds up where the exact quotient would not.
    assertArrayEquals(new float[] {0.3f}, run("Quant", "{narrow = 0, rounding_mode = \"HALF_UP\", signed = 1}", new float[] {0.25f}, "0.1", "0.0", "8.0"));
    ScalarFormat int8 = (ScalarFormat) ElementFormats.parse("int8");
    assertEquals(2, int8.encode(0.25 / (double) 0.1f, Rounding.NEAREST_AWAY, 0), "qcc's exact quotient rounds to 2");
  }

  @Test
  void bipolarQuantMapsZeroAndNaNLikeTheReference() {
    assertArrayEquals(new float[] {2f, 2f, -2f, -2f}, run("BipolarQuant", "", new float[] {0f, 5f, -0.1f, Float.NaN}, "2.0"));
  }

  @Test
  void floatQuantTakesItsMaximumAsIfEveryExponentWereNormal() {
    // E4M3 with bias 7: QONNX's largest value is 1.875 * 2^8 = 480, not OCP's 448, unless max_val says so.
    String attrs = "{has_inf = 0, has_nan = 0, has_subnormal = 1, saturation = 1}";
    assertArrayEquals(new float[] {480f, -480f, 0.001953125f}, run("FloatQuant", attrs, new float[] {1000f, -1000f, 0.002f}, "1.0", "4.0", "3.0", "7.0", "1e9"));
    assertArrayEquals(new float[] {448f}, run("FloatQuant", attrs, new float[] {1000f}, "1.0", "4.0", "3.0", "7.0", "448.0"));
  }

  @Test
  void floatQuantWithoutSaturationUsesInfOrNaN() {
    float[] x = {1000f, -1000f, 3f};
    assertArrayEquals(new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 3f}, run("FloatQuant", "{has_inf = 1, has_nan = 0, has_subnormal = 1, saturation = 0}", x, "1.0", "4.0", "3.0", "7.0", "448.0"));
    float[] nan = run("FloatQuant", "{has_inf = 0, has_nan = 1, has_subnormal = 1, saturation = 0}", x, "1.0", "4.0", "3.0", "7.0", "448.0");
    assertTrue(Float.isNaN(nan[0]) && Float.isNaN(nan[1]) && nan[2] == 3f);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> run("FloatQuant", "{has_inf = 0, has_nan = 0, has_subnormal = 1, saturation = 0}", x, "1.0", "4.0", "3.0", "7.0", "448.0"));
    assertTrue(e.getMessage().contains("saturation=0 needs has_inf or has_nan"), e.getMessage());
  }

  @Test
  void floatQuantsRoundedLogarithmPicksTheBinadeAbove() {
    // 256 - 2^-16: its float32 log2 rounds to 8, so FLOOR works at the step of [256, 512), 32, and lands on 224;
    // in its true binade [128, 256) the step is 16 and FLOOR gives 240, which is what qcc's E4M3 gives.
    float x = 256f - 0x1p-16f;
    String attrs = "{has_inf = 0, has_nan = 0, has_subnormal = 1, rounding_mode = \"FLOOR\", saturation = 1}";
    assertArrayEquals(new float[] {224f}, run("FloatQuant", attrs, new float[] {x}, "1.0", "4.0", "3.0", "7.0", "480.0"));
    assertEquals(240f, ((ScalarFormat) ElementFormats.parse("e4m3fn")).quantize(x, Rounding.FLOOR, 0));
  }

  @Test
  void truncV1DropsLowBitsAndV2ClampsToTheOutputRange() {
    // v1: 8-bit codes to 4 bits: 200 / 16 = 12.5 -> FLOOR 12, times the scale.
    assertArrayEquals(new float[] {12f, -13f}, run("Trunc", "{rounding_mode = \"FLOOR\"}", new float[] {200f, -200f}, "1.0", "0.0", "8.0", "4.0"));
    // v2: out_scale 16 shifts by 2^round(log2(16)) = 16, then clamps to signed 3 bits [-4, 3].
    assertArrayEquals(new float[] {48f, -64f}, run("Trunc", "{rounding_mode = \"FLOOR\"}", new float[] {200f, -200f}, "1.0", "0.0", "8.0", "16.0", "3.0"));
  }
}
