// A small quantized two-layer network for hardware tests, and inputs for it.
package org.qcc.testbenches;

import java.util.Arrays;
import java.util.Random;
import org.qcc.ir.Graph;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

final class TinyNetwork {
  private TinyNetwork() {}

  /**
   * A 12-8-5 network (Gemm with per-channel weight scales and bias, ReLU, Gemm with a per-tensor
   * weight scale and bias), accumulators from the accumulators pass.
   */
  static Graph graph(Random r, String data, String dataScale, String w1Format, String w1Scale, String w2Format, String w2Scale, String hiddenScale) {
    return graph(r, data, dataScale, w1Format, w1Scale, w2Format, w2Scale, hiddenScale, false);
  }

  /** The network, with {@code sparse} both weights 2:4 sparse along their inputs (random kept positions). */
  static Graph graph(Random r, String data, String dataScale, String w1Format, String w1Scale, String w2Format, String w2Scale, String hiddenScale, boolean sparse) {
    String text = "graph \"mlp\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,12]\n"
        + (sparse ? sparseWeight("w1", 8, 12, r) : constant("w1", new int[] {8, 12}, r, 0.3))
        + constant("b1", new int[] {8}, r, 0.1)
        + (sparse ? sparseWeight("w2", 5, 8, r) : constant("w2", new int[] {5, 8}, r, 0.3))
        + constant("b2", new int[] {5}, r, 0.1)
        + "  const %sx: fp32[] = [" + dataScale + "]\n"
        + "  const %sh: fp32[] = [" + hiddenScale + "]\n"
        + "  const %sw1: fp32[8] = " + channelScales(w1Scale, 8) + "\n"
        + "  const %sw2: fp32[] = [" + w2Scale + "]\n"
        + "  %xq: fp32[N,12] = qcc.FakeQuant(%x, %sx) {format = \"" + data + "\"} loc(\"xq\")\n"
        + quantizedWeight("w1", 8, 12, "{axis = 0, format = \"" + w1Format + "\"}", sparse)
        + "  %h: fp32[N,8] = Gemm(%xq, %w1q, %b1) {transB = 1} loc(\"fc1\")\n"
        + "  %hr: fp32[N,8] = Relu(%h) loc(\"relu\")\n"
        + "  %hq: fp32[N,8] = qcc.FakeQuant(%hr, %sh) {format = \"" + data + "\"} loc(\"hq\")\n"
        + quantizedWeight("w2", 5, 8, "{format = \"" + w2Format + "\"}", sparse)
        + "  %y: fp32[N,5] = Gemm(%hq, %w2q, %b2) {transB = 1, beta = 0.5} loc(\"fc2\")\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "mlp");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    return g;
  }

  /** The weight's values ({@code rows x cols / 2}) and, 2 of every 4 inputs, their increasing positions. */
  private static String sparseWeight(String name, int rows, int cols, Random r) {
    StringBuilder positions = new StringBuilder("  const %" + name + "i: uint8[" + rows + "," + cols / 2 + "] = [");
    for (int g = 0; g < rows * cols / 4; g++) {
      int a = r.nextInt(4);
      int b = (a + 1 + r.nextInt(3)) % 4;
      positions.append(g == 0 ? "" : ", ").append(Math.min(a, b)).append(", ").append(Math.max(a, b));
    }
    return constant(name, new int[] {rows, cols / 2}, r, 0.3) + positions.append("]\n");
  }

  /** {@code %NAMEq}, the weight's quantizer, with {@code sparse} scattered by a qcc.Densify. */
  private static String quantizedWeight(String name, int rows, int cols, String attributes, boolean sparse) {
    String quant = "qcc.FakeQuant(%" + name + ", %s" + name + ") " + attributes;
    if (!sparse) {
      return "  %" + name + "q: fp32[" + rows + "," + cols + "] = " + quant + " loc(\"" + name + "q\")\n";
    }
    return "  %" + name + "v: fp32[" + rows + "," + cols / 2 + "] = " + quant + " loc(\"" + name + "q\")\n"
        + "  %" + name + "q: fp32[" + rows + "," + cols + "] = qcc.Densify(%" + name + "v, %" + name + "i) {axis = 1, m = 4, n = 2} loc(\"" + name + "d\")\n";
  }

  /** Images of 12 values, a few beyond the input quantizer's range. */
  static float[] images(Random r, int count) {
    float[] x = new float[count * 12];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (i % 37 == 0 ? 100 : 1));
    }
    return x;
  }

  /** Per-channel scales rising from {@code scale} by an eighth of it per channel, as a constant's values. */
  static String channelScales(String scale, int channels) {
    float[] s = new float[channels];
    for (int c = 0; c < channels; c++) {
      s[c] = Float.parseFloat(scale) * (1 + c / 8f);
    }
    return Arrays.toString(s);
  }

  /** A constant of {@code shape} with Gaussian values of standard deviation {@code scale}. */
  static String constant(String name, int[] shape, Random r, double scale) {
    StringBuilder s = new StringBuilder("  const %" + name + ": fp32" + Arrays.toString(shape).replace(" ", "") + " = [");
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ", ").append((float) (r.nextGaussian() * scale));
    }
    return s.append("]\n").toString();
  }
}
