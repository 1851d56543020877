// A small quantized convolutional network for hardware tests.
package org.qcc.testbenches;

import java.util.Arrays;
import java.util.Random;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

final class TinyConvNetwork {
  private TinyConvNetwork() {}

  /** Values per image: 4 channels of 10 x 10. */
  static final int PIXELS = 4 * 10 * 10;

  /**
   * A 4x10x10 image through conv1 (8 channels, 3x3, padding 1, per-channel weight scales, bias),
   * ReLU, a 2x2 max pool, conv2 (6 channels, 3x3, stride 2, padding above and to the left only),
   * ReLU, a Flatten of its 2x2 image and a Gemm to 5 logits; {@code sparse} makes both
   * convolutions' weights 2:4 sparse along their channels. A block {@code convFormat} (BFP, MX)
   * takes its blocks along the convolutions' input channels and no scale. Accumulators from the
   * accumulators pass.
   */
  static Graph graph(Random r, String data, String dataScale, String convFormat, String convScale, String fcFormat, String fcScale, String hiddenScale, boolean sparse) {
    boolean block = ElementFormats.parse(convFormat) instanceof BlockFormat;
    String text = "graph \"cnn\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,4,10,10]\n"
        + weight("w1", new int[] {8, 4, 3, 3}, r, sparse)
        + TinyNetwork.constant("b1", new int[] {8}, r, 0.1)
        + weight("w2", new int[] {6, 8, 3, 3}, r, sparse)
        + TinyNetwork.constant("b2", new int[] {6}, r, 0.1)
        + TinyNetwork.constant("w3", new int[] {5, 24}, r, 0.3)
        + TinyNetwork.constant("b3", new int[] {5}, r, 0.1)
        + "  const %sx: fp32[] = [" + dataScale + "]\n"
        + "  const %sh: fp32[] = [" + hiddenScale + "]\n"
        + "  const %sw1: fp32[8] = " + TinyNetwork.channelScales(convScale, 8) + "\n"
        + "  const %sw2: fp32[] = [" + convScale + "]\n"
        + "  const %sw3: fp32[] = [" + fcScale + "]\n"
        + "  %xq: fp32[N,4,10,10] = qcc.FakeQuant(%x, %sx) {format = \"" + data + "\"} loc(\"xq\")\n"
        + quantized("w1", new int[] {8, 4, 3, 3}, block ? "{axis = 1, format = \"" + convFormat + "\"}" : "{axis = 0, format = \"" + convFormat + "\"}", sparse)
        + "  %c1: fp32[N,8,10,10] = Conv(%xq, %w1q, %b1) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [1, 1]} loc(\"conv1\")\n"
        + "  %r1: fp32[N,8,10,10] = Relu(%c1) loc(\"relu1\")\n"
        + "  %p1: fp32[N,8,5,5] = MaxPool(%r1) {kernel_shape = [2, 2], strides = [2, 2]} loc(\"pool1\")\n"
        + "  %p1q: fp32[N,8,5,5] = qcc.FakeQuant(%p1, %sh) {format = \"" + data + "\"} loc(\"p1q\")\n"
        + quantized("w2", new int[] {6, 8, 3, 3}, block ? "{axis = 1, format = \"" + convFormat + "\"}" : "{format = \"" + convFormat + "\"}", sparse)
        + "  %c2: fp32[N,6,2,2] = Conv(%p1q, %w2q, %b2) {kernel_shape = [3, 3], pads = [1, 1, 0, 0], strides = [2, 2]} loc(\"conv2\")\n"
        + "  %r2: fp32[N,6,2,2] = Relu(%c2) loc(\"relu2\")\n"
        + "  %f: fp32[N,24] = Flatten(%r2) {axis = 1} loc(\"flatten\")\n"
        + "  %fq: fp32[N,24] = qcc.FakeQuant(%f, %sh) {format = \"" + data + "\"} loc(\"fq\")\n"
        + "  %w3q: fp32[5,24] = qcc.FakeQuant(%w3, %sw3) {format = \"" + fcFormat + "\"} loc(\"w3q\")\n"
        + "  %y: fp32[N,5] = Gemm(%fq, %w3q, %b3) {transB = 1} loc(\"fc\")\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "cnn");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    return g;
  }

  /** {@code count} images, a few values beyond the input quantizer's range. */
  static float[] images(Random r, int count) {
    float[] x = new float[count * PIXELS];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 100 : 1));
    }
    return x;
  }

  /** A convolution weight of {@code shape}; sparse, its values (half the channels) and, for 2 of every 4 channels, their increasing positions. */
  private static String weight(String name, int[] shape, Random r, boolean sparse) {
    if (!sparse) {
      return TinyNetwork.constant(name, shape, r, 0.3);
    }
    int[] half = {shape[0], shape[1] / 2, shape[2], shape[3]};
    int inner = shape[2] * shape[3];
    int[] positions = new int[shape[0] * shape[1] / 2 * inner];
    for (int o = 0; o < shape[0]; o++) {
      for (int g = 0; g < shape[1] / 4; g++) {
        for (int k = 0; k < inner; k++) {
          int a = r.nextInt(4);
          int b = (a + 1 + r.nextInt(3)) % 4;
          positions[((o * shape[1] / 2) + g * 2) * inner + k] = Math.min(a, b);
          positions[((o * shape[1] / 2) + g * 2 + 1) * inner + k] = Math.max(a, b);
        }
      }
    }
    return TinyNetwork.constant(name, half, r, 0.3) + "  const %" + name + "i: uint8" + dims(half) + " = " + Arrays.toString(positions) + "\n";
  }

  /** {@code %NAMEq}, the weight's quantizer, with a sparse weight scattered along the channels by a qcc.Densify. */
  private static String quantized(String name, int[] shape, String attributes, boolean sparse) {
    // A block format's scales come from its blocks: the quantizer takes no scale.
    boolean block = attributes.contains("axis = 1");
    String quant = "qcc.FakeQuant(%" + name + (block ? "" : ", %s" + name) + ") " + attributes;
    if (!sparse) {
      return "  %" + name + "q: fp32" + dims(shape) + " = " + quant + " loc(\"" + name + "q\")\n";
    }
    int[] half = {shape[0], shape[1] / 2, shape[2], shape[3]};
    return "  %" + name + "v: fp32" + dims(half) + " = " + quant + " loc(\"" + name + "q\")\n"
        + "  %" + name + "q: fp32" + dims(shape) + " = qcc.Densify(%" + name + "v, %" + name + "i) {axis = 1, m = 4, n = 2} loc(\"" + name + "d\")\n";
  }

  private static String dims(int[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }
}
