// Layers with integer accumulators, every layer kind and accumulator type, both code styles against the interpreter.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.BackendException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

class ExactLayerLoweringTest {
  private static final int IMAGES = 19;

  /** A layer kind: input and output shapes, the weight's shape and output-channel axis, the node. */
  private record Layer(String in, String out, int[] weight, int channelAxis, String node) {}

  private static final List<Layer> LAYERS =
      List.of(
          new Layer("[N,4,9,9]", "[N,6,4,4]", new int[] {6, 2, 3, 3}, 0, "Conv(%x_q, %w_q, %b6) {group = 2, kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 0, 0]}"),
          new Layer("[N,4,5,5]", "[N,6,5,5]", new int[] {6, 4, 1, 1}, 0, "Conv(%x_q, %w_q)"),
          new Layer("[N,3,12,12]", "[N,6,12,12]", new int[] {6, 3, 3, 3}, 0, "Conv(%x_q, %w_q, %b6) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]}"),
          new Layer("[N,12]", "[N,5]", new int[] {5, 12}, 0, "Gemm(%x_q, %w_q, %b5) {transB = 1, alpha = 0.75, beta = 2.0}"),
          new Layer("[N,3,12]", "[N,3,7]", new int[] {12, 7}, 1, "MatMul(%x_q, %w_q)"));

  /**
   * Data format and scale, weight format and per-channel scale, and whether a ReLU follows (fused
   * into the layer): 16-bit integer codes on the CPU and fp32 sums on the GPU (integers), fp32
   * sums (e2m1 with its infinities and NaN) and double sums (E4M3, with NaN).
   */
  static Stream<Arguments> layers() {
    String[][] formats = {{"int8", "0.02", "int8", "0.01", ""}, {"uint8", "0.01", "int4", "0.1", "relu"}, {"e2m1", "0.5", "int8", "0.01", ""}, {"e4m3fn", "0.015625", "e4m3fn", "0.01", "relu"}};
    return LAYERS.stream().flatMap(l -> Arrays.stream(formats).map(f -> Arguments.of(l.node().substring(0, l.node().indexOf('(')) + " " + l.in() + " " + f[0] + " x " + f[2] + " " + f[4], l, f)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void loopsAndThreadsEqualTheInterpreter(String what, Layer layer, String[] formats) {
    Random r = new Random(what.hashCode());
    Graph g = graph(layer, formats, r);
    assertTrue(g.nodes().stream().anyMatch(n -> n.attribute("qcc.acc").map(a -> a.toString().contains("int")).orElse(false)), "the layer accumulates in integers");
    String ir = ModelLowering.lower(g, TargetSpec.host(), "m", ModelLowering.Style.LOOPS).host().module().ir();
    assertEquals(formats[0].contains("int"), ir.matches("(?s).*sext <\\d+ x i16>.*"), "16-bit codes on the CPU exactly where codes fit and have no specials");
    int[] shape = LayerLoweringTest.dims(layer.in());
    float[] data = new float[IMAGES * (int) LayerContext.elements(Arrays.copyOfRange(shape, 1, shape.length))];
    float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 1e30f};
    for (int i = 0; i < data.length; i++) {
      data[i] = r.nextInt(60) == 0 ? specials[r.nextInt(specials.length)] : (float) r.nextGaussian();
    }
    shape[0] = IMAGES;
    LayerLoweringTest.assertBothStylesEqualTheInterpreter(g, new FloatTensor(FloatFormat.FP32, shape, data));
  }

  @Test
  void anAccumulatorWiderThanADoubleIsACompileTimeError() {
    Graph g = graph(LAYERS.get(2), new String[] {"e4m3fn", "0.01", "e5m2", "0.001"}, new Random(1));
    BackendException e = assertThrows(BackendException.class, () -> JitModel.compile(g).close());
    assertTrue(e.getMessage().matches("node 'layer' \\(Conv\\): the LLVM backend accumulates integer codes exactly in doubles, up to 54 bits; this layer's e4m3fn x e5m2 products need int56"), e.getMessage());
  }

  private static Graph graph(Layer layer, String[] formats, Random r) {
    int channels = layer.weight()[layer.channelAxis()];
    float[] scales = new float[channels];
    for (int c = 0; c < channels; c++) {
      scales[c] = Float.parseFloat(formats[3]) * (1 + c / 4f);
    }
    String text = "graph \"layer\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32" + layer.in() + "\n"
        + LayerLoweringTest.constant("w", layer.weight(), r)
        + "  const %sx: fp32[] = [" + formats[1] + "]\n"
        + "  const %sw: fp32[" + channels + "] = " + Arrays.toString(scales) + "\n"
        + "  const %b6: fp32[6] = [0.5, -0.25, 1.0, 0.0, -2.0, 0.125]\n"
        + "  const %b5: fp32[5] = [0.5, -0.25, 1.0, 0.0, -2.0]\n"
        + "  %x_q: fp32" + layer.in() + " = qcc.FakeQuant(%x, %sx) {format = \"" + formats[0] + "\"} loc(\"xq\")\n"
        + "  %w_q: fp32" + Arrays.toString(layer.weight()).replace(" ", "") + " = qcc.FakeQuant(%w, %sw) {axis = " + layer.channelAxis() + ", format = \"" + formats[2] + "\"} loc(\"wq\")\n"
        + (formats.length > 4 && formats[4].equals("relu")
            ? "  %t: fp32" + layer.out() + " = " + layer.node() + " loc(\"layer\")\n  %y: fp32" + layer.out() + " = Relu(%t) loc(\"relu\")\n"
            : "  %y: fp32" + layer.out() + " = " + layer.node() + " loc(\"layer\")\n")
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "layer");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    return g;
  }
}
