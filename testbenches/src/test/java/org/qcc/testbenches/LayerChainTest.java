// A whole quantized network in hardware: the layer chain against the golden interpreter, logit for logit.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.functional.Interpreter;

class LayerChainTest extends VerilatorTest {
  private static final int IMAGES = 40;

  /** Data, first weight and second weight formats, with their scales. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1"),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03"));
  }

  /**
   * A 12-8-5 network (Gemm with per-channel weight scales and bias, ReLU, Gemm with a per-tensor
   * weight scale and bias), accumulators from the accumulators pass; {@value #IMAGES} images, a few
   * beyond the input quantizer's range, through the Verilator model of the chain; the host's output
   * step turns the last sums into logits, which must equal the interpreter's bit for bit.
   */
  @ParameterizedTest(name = "{0} data, {2} then {4} weights")
  @MethodSource("configs")
  void logitsEqualTheInterpreter(String data, String dataScale, String w1Format, String w1Scale, String w2Format, String w2Scale, String hiddenScale) {
    Random r = new Random(3);
    float[] w1Scales = new float[8];
    for (int c = 0; c < 8; c++) {
      w1Scales[c] = Float.parseFloat(w1Scale) * (1 + c / 8f);
    }
    String text = "graph \"mlp\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,12]\n"
        + constant("w1", new int[] {8, 12}, r, 0.3)
        + constant("b1", new int[] {8}, r, 0.1)
        + constant("w2", new int[] {5, 8}, r, 0.3)
        + constant("b2", new int[] {5}, r, 0.1)
        + "  const %sx: fp32[] = [" + dataScale + "]\n"
        + "  const %sh: fp32[] = [" + hiddenScale + "]\n"
        + "  const %sw1: fp32[8] = " + Arrays.toString(w1Scales) + "\n"
        + "  const %sw2: fp32[] = [" + w2Scale + "]\n"
        + "  %xq: fp32[N,12] = qcc.FakeQuant(%x, %sx) {format = \"" + data + "\"} loc(\"xq\")\n"
        + "  %w1q: fp32[8,12] = qcc.FakeQuant(%w1, %sw1) {axis = 0, format = \"" + w1Format + "\"} loc(\"w1q\")\n"
        + "  %h: fp32[N,8] = Gemm(%xq, %w1q, %b1) {transB = 1} loc(\"fc1\")\n"
        + "  %hr: fp32[N,8] = Relu(%h) loc(\"relu\")\n"
        + "  %hq: fp32[N,8] = qcc.FakeQuant(%hr, %sh) {format = \"" + data + "\"} loc(\"hq\")\n"
        + "  %w2q: fp32[5,8] = qcc.FakeQuant(%w2, %sw2) {format = \"" + w2Format + "\"} loc(\"w2q\")\n"
        + "  %y: fp32[N,5] = Gemm(%hq, %w2q, %b2) {transB = 1, beta = 0.5} loc(\"fc2\")\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "mlp");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    float[] x = new float[IMAGES * 12];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (r.nextGaussian() * (i % 37 == 0 ? 100 : 1));
    }
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, new int[] {IMAGES, 12}, x))).get(0)).data();

    ChainPlan plan = ChainPlan.of(g, 4, 4);
    assertTrue(plan.layers().stream().allMatch(l -> l.exact().accumulator().bits() > 0));
    List<int[]> vectors = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      vectors.add(plan.inputCodes(Arrays.copyOfRange(x, i * 12, i * 12 + 12)));
    }
    MatrixVectorBench bench = MatrixVectorBench.chain(work.resolve(data + "_" + w1Format + "_" + w2Format), plan.hardware());
    MatrixVectorBench.Run run = bench.run(vectors);
    for (int i = 0; i < IMAGES; i++) {
      for (int c = 0; c < 5; c++) {
        DotProductBench.Result s = run.outputs().get(i).get(c);
        float got = plan.output(c, s.rounded());
        float want = expected[i * 5 + c];
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "image " + i + " logit " + c + ": " + want + " vs " + got);
      }
    }
  }

  private static String constant(String name, int[] shape, Random r, double scale) {
    StringBuilder s = new StringBuilder("  const %" + name + ": fp32" + Arrays.toString(shape).replace(" ", "") + " = [");
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ", ").append((float) (r.nextGaussian() * scale));
    }
    return s.append("]\n").toString();
  }
}
