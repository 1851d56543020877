// A quantized convolutional network in hardware: windows, pools and the layer chain against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.ir.Graph;

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
    assertChainMatchesInterpreter(g, x, new int[] {IMAGES, 4, 10, 10}, data + "_" + convFormat + (sparse ? "_sparse" : ""));
  }

  /**
   * The design-folder flow on the int8 network: bit-exact, at the pace of the slowest layer. conv1
   * takes its 4 channels in one beat and emits 8 at PE 4: (8 / 4) * (36 / 4) cycles for each of
   * its 100 pixels, 1,800 cycles per image. The cycle-level model agrees with Verilator's counts for
   * the stream of images and for one image alone.
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
    assertModelAgrees(report);
    assertEquals(1800, report.cyclesPerImage(), 18);
    ChainCosimulation.Report one = ChainCosimulation.run(work.resolve("design"), 1, null, step -> {});
    assertEquals(1, one.images());
    assertModelAgrees(one);
  }
}
