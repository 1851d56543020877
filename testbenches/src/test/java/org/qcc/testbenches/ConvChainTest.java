// A quantized convolutional network in hardware: windows, pools and the layer chain against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
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

  /** Data, convolution and Gemm weight formats, with their scales; dense or 2:4 sparse convolutions; weights built in or loaded at start-up. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", false, false),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03", false, false),
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", true, false),
        Arguments.of("int8", "0.05", "mxfp4_e2m1", "0.04", "int8", "0.01", "0.1", false, false),
        Arguments.of("int8", "0.05", "mxfp4_e2m1", "0.04", "int8", "0.01", "0.1", false, true));
  }

  /**
   * The {@link TinyConvNetwork} on {@value #IMAGES} images through the Verilator model of the chain,
   * its output ready two cycles in three: every logit equals the interpreter's bit for bit.
   */
  @ParameterizedTest(name = "{0} data, {2} convolutions, {4} Gemm, 2:4 sparse {7}, loaded {8}")
  @MethodSource("configs")
  void logitsEqualTheInterpreter(String data, String dataScale, String convFormat, String convScale, String fcFormat, String fcScale, String hiddenScale, boolean sparse, boolean loaded) {
    Random r = new Random(5);
    Graph g = TinyConvNetwork.graph(r, data, dataScale, convFormat, convScale, fcFormat, fcScale, hiddenScale, sparse);
    float[] x = TinyConvNetwork.images(r, IMAGES);
    assertChainMatchesInterpreter(g, x, new int[] {IMAGES, 4, 10, 10}, data + "_" + convFormat + (sparse ? "_sparse" : "") + (loaded ? "_loaded" : ""), loaded);
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

  /**
   * Grid point 48's first layer is a 1x1 convolution of one channel, int4 data x e5m2 weights: its
   * one-term sums need 36 bits, fewer than the 38-bit words the dot-product unit forms for any
   * product of the two formats. The unit wraps its products to the accumulator's width, which is
   * exact because the sum fits it: the chain is bit-exact on 30 images. The design folder is named
   * by a relative path, as a user in its parent folder would.
   */
  @Test
  void sumsNarrowerThanTheProductWordAreExact() {
    CalibrationNetworks.Point p = CalibrationNetworks.point(48);
    Random r = new Random(48);
    RtlCompiler.Result compiled = RtlCompiler.write(p.graph(), work.resolve("p48"), "p48", p.maxPe(), p.maxSimd(), 0, perImage -> {
      float[] x = new float[perImage * IMAGES];
      for (int k = 0; k < x.length; k++) {
        x[k] = (float) (r.nextGaussian() * 2);
      }
      return x;
    });
    assertEquals(36, compiled.plan().hardware()[0].accBits());
    Path relative = Path.of("").toAbsolutePath().relativize(work.resolve("p48"));
    ChainCosimulation.Report report = ChainCosimulation.run(relative, 0, null, step -> {});
    assertEquals(IMAGES, report.images());
    assertTrue(report.bitExact(), report.firstMismatches().toString());
    assertModelAgrees(report);
  }
}
