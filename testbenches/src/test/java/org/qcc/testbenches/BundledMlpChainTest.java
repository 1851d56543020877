// The bundled Fashion-MNIST MLP as a dataflow accelerator in Verilator, against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.backends.rtl.Manifest;

class BundledMlpChainTest extends VerilatorTest {
  private static final int IMAGES = 100;

  /**
   * The 784-256-128-10 MLP quantized (calibrated on the committed training images) in int8, e4m3
   * and int8 with 2:4 sparse weights, compiled to a design folder folded by 16 (784 cycles per
   * image) with the first {@value #IMAGES} test images as vectors, and co-simulated as {@code qcc
   * sim --verilator} does: every logit equals the interpreter's bit for bit, and the unit keeps the
   * folded schedule. (RtlCommandsTest runs int4 weights through the qcc commands.)
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"quantize{weights=int8,acts=int8}", "quantize{weights=e4m3,acts=e4m3}", "sparsify{n=2,m=4},quantize{weights=int8,acts=int8}"})
  void logitsEqualTheInterpreter(String passes) {
    Path dir = work.resolve(passes.replaceAll("[^a-z0-9]", "_"));
    BundledDesigns.compile("fashion_mlp", passes, dir, IMAGES);

    ChainCosimulation.Report r = ChainCosimulation.run(dir, 0, null, step -> {});
    assertEquals(IMAGES, r.images());
    assertEquals(IMAGES * 10, r.outputs());
    assertTrue(r.bitExact(), r.mismatchCount() + " logits differ, the first " + r.firstMismatches());
    assertModelAgrees(r);
    // fc1 sets the pace: (256 / 16) * (784 / 16) cycles per image, plus the pipeline's fill.
    assertEquals(16 * 49, r.cyclesPerImage(), 16 * 49 / 50.0, "cycles per image");
    assertTrue(r.latency() >= 16 * 49 && r.latency() < 2 * 16 * 49, "latency " + r.latency());
  }

  /**
   * The bundled 784-32-10 MLP with MXFP4 weights over int4 data: the block scales fold into the
   * weights' codes, which the layers store per beat as E2M1 elements and a shift (beats of 16 lie
   * inside blocks of 32). Every logit equals the interpreter's bit for bit.
   */
  @Test
  void blockScaledWeightsEqualTheInterpreter() {
    Path dir = work.resolve("tiny_mxfp4");
    BundledDesigns.compile("fashion_tiny", "quantize{weights=mxfp4_e2m1,acts=int4}", dir, IMAGES);
    ChainCosimulation.Report r = ChainCosimulation.run(dir, 0, null, step -> {});
    assertEquals(IMAGES * 10, r.outputs());
    assertTrue(r.bitExact(), r.mismatchCount() + " logits differ, the first " + r.firstMismatches());
    assertModelAgrees(r);
    Manifest.Layer fc1 = Manifest.read(dir).layers().get(0);
    assertEquals("fp4_e2m1", fc1.weightFormat(), fc1.toString());
    assertTrue(fc1.beatShiftBits() > 0, fc1.toString());
  }
}
