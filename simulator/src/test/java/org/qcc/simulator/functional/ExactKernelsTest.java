// The golden semantics of integer-accumulating layers, against a reference written from their definition.
package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;

class ExactKernelsTest {
  private static final int K = 4096;
  private static final int N = 3;

  /** x [2, K] int8 codes at scale sx, W [N, K] int8 codes at per-row scales, bias: Gemm with transB. */
  private static String gemm(String acc, float sx, float[] sw, String xFormat) {
    return "graph \"g\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[2," + K + "]\n"
        + "  const %w: fp32[" + N + "," + K + "] = " + java.util.Arrays.toString(weights()) + "\n"
        + "  const %sx: fp32[] = [" + (Float.isNaN(sx) ? "nan" : String.valueOf(sx)) + "]\n"
        + "  const %sw: fp32[" + N + "] = " + java.util.Arrays.toString(sw) + "\n"
        + "  const %b: fp32[" + N + "] = [0.5, -1.0, 0.25]\n"
        + "  %x_q: fp32[2," + K + "] = qcc.FakeQuant(%x, %sx) {format = \"" + xFormat + "\"} loc(\"xq\")\n"
        + "  %w_q: fp32[" + N + "," + K + "] = qcc.FakeQuant(%w, %sw) {axis = 0, format = \"int8\"} loc(\"wq\")\n"
        + "  %y: fp32[2," + N + "] = Gemm(%x_q, %w_q, %b) {transB = 1, qcc.acc = \"" + acc + "\", qcc.acc_lsb = 0} loc(\"fc\")\n"
        + "  output %y\n}\n";
  }

  /** Weight codes near the int8 extremes, so sums pass 2^24 and fp32 accumulation would round. */
  private static float[] weights() {
    Random r = new Random(7);
    float[] w = new float[N * K];
    for (int i = 0; i < w.length; i++) {
      w[i] = (110 + r.nextInt(18)) * (r.nextInt(8) == 0 ? -1 : 1) * (0.01f * (1 + i / K));
    }
    return w;
  }

  private static float[] input(float sx) {
    Random r = new Random(11);
    float[] x = new float[2 * K];
    for (int i = 0; i < x.length; i++) {
      x[i] = (100 + r.nextInt(28)) * sx;
    }
    return x;
  }

  @Test
  void integerLayersSumCodesExactlyAndRoundOnce() {
    float sx = 0.03f;
    float[] sw = {0.01f, 0.02f, 0.03f};
    float[] x = input(sx);
    float[] y = run(gemm("int34", sx, sw, "int8"), x);
    float[] w = weights();
    float[] bias = {0.5f, -1f, 0.25f};
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < N; j++) {
        long s = 0;
        for (int k = 0; k < K; k++) {
          s += Math.round(x[i * K + k] / sx) * Math.round(w[j * K + k] / sw[j]);
        }
        assertTrue(Math.abs(s) > 1 << 24, "the sum needs more than fp32's 24 bits");
        assertEquals(Math.fma((float) s, sx * sw[j], bias[j]), y[i * N + j], "output " + i + "," + j);
      }
    }
    float[] fp32 = run(gemm("fp32", sx, sw, "int8"), x);
    assertNotEquals(java.util.Arrays.toString(fp32), java.util.Arrays.toString(y), "fp32 accumulation of the same values rounds differently");
  }

  @Test
  void aNaNOrInfiniteCodeMakesTheIeeeSumOfProducts() {
    float sx = 1f / 64;
    float[] x = input(sx);
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.min(x[i], 400f * sx); // within E4M3's range
    }
    x[5] = Float.NaN;
    float[] y = run(gemm("int40", sx, new float[] {0.01f, 0.02f, 0.03f}, "e4m3fn"), x);
    for (int j = 0; j < N; j++) {
      assertTrue(Float.isNaN(y[j]), "row 0 holds a NaN");
      assertTrue(Float.isFinite(y[N + j]), "row 1 does not");
    }
  }

  /**
   * E5M2's largest weights are codes of 2^31.8 on its finest grid (57344 / 2^-16), beyond int: the
   * sums still come out exact, as a long reference computes them.
   */
  @Test
  void codesBeyondIntSumExactly() {
    float[] w = {57344f, -57344f, 49152f, 0.0000152587890625f, -40960f, 1.5f, 2f, -0.75f};
    float[] x = {7f, -8f, 5f, 3f};
    String text = "graph \"g\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[1,4]\n"
        + "  const %w: fp32[2,4] = " + java.util.Arrays.toString(w) + "\n"
        + "  const %s: fp32[] = [1.0]\n"
        + "  %x_q: fp32[1,4] = qcc.FakeQuant(%x, %s) {format = \"int4\"} loc(\"xq\")\n"
        + "  %w_q: fp32[2,4] = qcc.FakeQuant(%w, %s) {format = \"e5m2\"} loc(\"wq\")\n"
        + "  %y: fp32[1,2] = Gemm(%x_q, %w_q) {transB = 1, qcc.acc = \"int38\", qcc.acc_lsb = -16} loc(\"fc\")\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "g");
    float[] y = ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, new int[] {1, 4}, x))).get(0)).data();
    for (int j = 0; j < 2; j++) {
      long s = 0;
      for (int k = 0; k < 4; k++) {
        s += (long) x[k] * (long) Math.scalb((double) w[j * 4 + k], 16);
      }
      assertEquals(Math.scalb((float) s, -16), y[j], "output " + j);
    }
    assertEquals(7 * 57344f + 8 * 57344f + 5 * 49152f + 3 * 0.0000152587890625f, y[0]);
  }

  /**
   * MXFP4 weights whose blocks along k span 2^-7 to 2^0: the block scales fold into integer codes on
   * the finest block's grid, so each output is the exact sum of the dequantized products rounded
   * once, then scaled by the data's scale and biased in one FMA. The sums stay exact in doubles
   * here, which makes the reference; fp32 accumulation of the same values rounds differently.
   */
  @Test
  void blockScaledWeightsSumExactlyOnTheirFinestGrid() {
    float sx = 0.03f;
    Random r = new Random(5);
    float[] e2m1 = {1, 1.5f, 2, 3, 4, 6};
    float[] w = new float[N * K];
    for (int i = 0; i < w.length; i++) {
      w[i] = e2m1[r.nextInt(e2m1.length)] * (r.nextInt(4) == 0 ? -1 : 1) * Math.scalb(1f, -(i % K / 32 % 8));
    }
    String graph = "graph \"g\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[2," + K + "]\n"
        + "  const %w: fp32[" + N + "," + K + "] = " + java.util.Arrays.toString(w) + "\n"
        + "  const %sx: fp32[] = [" + sx + "]\n"
        + "  const %b: fp32[" + N + "] = [0.5, -1.0, 0.25]\n"
        + "  %x_q: fp32[2," + K + "] = qcc.FakeQuant(%x, %sx) {format = \"int8\"} loc(\"xq\")\n"
        + "  %w_q: fp32[" + N + "," + K + "] = qcc.FakeQuant(%w) {axis = 1, format = \"mxfp4_e2m1\"} loc(\"wq\")\n"
        + "  %y: fp32[2," + N + "] = Gemm(%x_q, %w_q, %b) {transB = 1, qcc.acc = \"ACC\"} loc(\"fc\")\n"
        + "  output %y\n}\n";
    float[] x = input(sx);
    float[] y = run(graph.replace("ACC", "int40"), x);
    float[] bias = {0.5f, -1f, 0.25f};
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < N; j++) {
        double t = 0;
        for (int k = 0; k < K; k++) {
          // The weights are MXFP4 values already: E2M1 values at a power-of-two block scale.
          t += Math.round(x[i * K + k] / sx) * (double) w[j * K + k];
        }
        assertTrue(Math.abs(t) * 128 * 2 > 1 << 24, "the sum on the finest grid needs more than fp32's 24 bits");
        assertEquals(Math.fma((float) t, sx, bias[j]), y[i * N + j], "output " + i + "," + j);
      }
    }
    float[] fp32 = run(graph.replace("ACC", "fp32"), x);
    assertNotEquals(java.util.Arrays.toString(fp32), java.util.Arrays.toString(y), "fp32 accumulation of the same values rounds differently");
  }

  @Test
  void quantizersThatCalibrationReplacesLeaveTheLayerInFp32() {
    float[] sw = {0.01f, 0.02f, 0.03f};
    Graph exact = QirParser.parse(gemm("int34", Float.NaN, sw, "int8"), "g");
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Interpreter(exact));
    assertTrue(e.getMessage().endsWith("scale 'sx' holds NaN; run calibrate after quantize"), e.getMessage());
    Graph fp32 = QirParser.parse(gemm("fp32", Float.NaN, sw, "int8"), "g");
    Kernel passThrough = ctx -> List.of(ctx.in(0));
    float[] x = input(0.03f);
    for (int i = 0; i < x.length; i++) {
      x[i] *= 1.37f; // off the grid: codes could not be recovered from these
    }
    FloatTensor in = new FloatTensor(FloatFormat.FP32, new int[] {2, K}, x);
    assertArrayEquals(
        ((FloatTensor) new Interpreter(fp32, Map.of(fp32.nodes().get(0), passThrough)).run(List.of(in)).get(0)).data(),
        ((FloatTensor) new Interpreter(exact, Map.of(exact.nodes().get(0), passThrough)).run(List.of(in)).get(0)).data());
  }

  private static float[] run(String text, float[] x) {
    Graph g = QirParser.parse(text, "g");
    return ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, new int[] {2, K}, x))).get(0)).data();
  }
}
