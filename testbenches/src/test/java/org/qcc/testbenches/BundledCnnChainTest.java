// The bundled Fashion-MNIST CNN as a dataflow accelerator in Verilator, against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.backends.rtl.RtlCompiler;

class BundledCnnChainTest extends VerilatorTest {
  private static final int IMAGES = 100;

  /**
   * The bundled CNN (two conv-pool blocks, a residual block whose Add takes the second pool's fp32
   * values, a convolution, a global average pool and a Gemm) quantized with int4 weights and int8
   * activations, in e4m3, and in int8 with 2:4 sparse weights (the first convolution, one input
   * channel, stays dense), calibrated on the committed training images, compiled folded by 16 and
   * co-simulated on the first {@value #IMAGES} test images: every logit equals the interpreter's
   * bit for bit, at the first convolution's pace, 28 * 28 * 9 cycles per image (SIMD 1 on its one
   * channel), with the residual queue sized below an image; the cycle-level model counts the run's
   * cycles and latency as Verilator does.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"quantize{weights=int4,acts=int8}", "quantize{weights=e4m3,acts=e4m3}", "sparsify{n=2,m=4},quantize{weights=int8,acts=int8}"})
  void logitsEqualTheInterpreter(String passes) {
    Path dir = work.resolve(passes.replaceAll("[^a-z0-9]", "_"));
    RtlCompiler.Result compiled = BundledDesigns.compile("fashion_cnn", passes, dir, IMAGES);
    List<ChainPlan.Layer> layers = compiled.plan().layers();
    assertEquals(6, layers.size());
    assertTrue(layers.get(1).floatPath().fork() && layers.get(3).floatPath().residualFrom() == 1 && layers.get(4).floatPath().globalPixels() == 49, "the residual block and the global pool take the float path");
    // The residual queue, sized by the cycle-level model, holds less than the fork's image of beats.
    int forkBeats = compiled.plan().dataflow().stages().get(1).outputBeats();
    assertTrue(layers.get(1).floatPath().forkDepth() < forkBeats, "residual queue of " + layers.get(1).floatPath().forkDepth() + " for " + forkBeats + " beats");

    ChainCosimulation.Report r = ChainCosimulation.run(dir, 0, null, step -> {});
    assertEquals(IMAGES * 10, r.outputs());
    assertTrue(r.bitExact(), r.mismatchCount() + " logits differ, the first " + r.firstMismatches());
    assertModelAgrees(r);
    assertEquals(28 * 28 * 9, r.cyclesPerImage(), 28 * 28 * 9 / 100.0, "cycles per image");
  }
}
