// A quantized convolutional network in hardware: windows, pools and the layer chain against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.simulator.functional.Interpreter;

class ConvChainTest extends VerilatorTest {
  private static final int IMAGES = 30;

  /** Data, convolution and Gemm weight formats, with their scales; dense or 2:4 sparse convolutions. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", false),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03", false),
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", true));
  }

  /**
   * The {@link TinyConvNetwork} on {@value #IMAGES} images through the Verilator model of the chain,
   * its output ready two cycles in three: every logit equals the interpreter's bit for bit.
   */
  @ParameterizedTest(name = "{0} data, {2} convolutions, {4} Gemm, 2:4 sparse {7}")
  @MethodSource("configs")
  void logitsEqualTheInterpreter(String data, String dataScale, String convFormat, String convScale, String fcFormat, String fcScale, String hiddenScale, boolean sparse) {
    Random r = new Random(5);
    Graph g = TinyConvNetwork.graph(r, data, dataScale, convFormat, convScale, fcFormat, fcScale, hiddenScale, sparse);
    float[] x = TinyConvNetwork.images(r, IMAGES);
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, new int[] {IMAGES, 4, 10, 10}, x))).get(0)).data();

    ChainPlan plan = ChainPlan.of(g, 4, 4);
    int n = TinyConvNetwork.PIXELS;
    List<int[]> vectors = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      vectors.add(plan.inputCodes(Arrays.copyOfRange(x, i * n, (i + 1) * n)));
    }
    MatrixVectorBench bench = MatrixVectorBench.chain(work.resolve(data + "_" + convFormat + (sparse ? "_sparse" : "")), plan.hardware());
    MatrixVectorBench.Run run = bench.run(vectors);
    assertLogitsEqual(plan, run, expected, IMAGES, TinyConvNetwork.OUTPUTS);
  }

  /**
   * The design-folder flow on the int8 network: bit-exact, at the pace of the slowest layer. conv1
   * takes its 4 channels in one beat and emits 8 at PE 4: (8 / 4) * (36 / 4) cycles for each of
   * its 100 pixels, 1,800 cycles per image.
   */
  @Test
  void aDesignFolderRunsAtTheSlowestLayersPace() {
    Random r = new Random(5);
    Graph g = TinyConvNetwork.graph(r, "int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", false);
    float[] x = TinyConvNetwork.images(r, IMAGES);
    RtlCompiler.Result compiled = RtlCompiler.write(g, work.resolve("design"), "cnn", 4, 4, 0, perImage -> x);
    assertEquals(1800, compiled.cyclesPerImage());
    ChainCosimulation.Report report = ChainCosimulation.run(work.resolve("design"), 0, null, step -> {});
    assertTrue(report.bitExact(), report.firstMismatches().toString());
    assertEquals(1800, report.cyclesPerImage(), 18);
  }
}
