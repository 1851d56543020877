// The bundled Fashion-MNIST MLP as a dataflow accelerator in Verilator, against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

class BundledMlpChainTest extends VerilatorTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
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
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_mlp.onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", train.count(), (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), "canonicalize," + passes + ",calibrate").run(g, calibration);
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    Path dir = work.resolve(passes.replaceAll("[^a-z0-9]", "_"));
    RtlCompiler.write(g, dir, "mlp", 16, 16, 0, perImage -> test.batch(0, IMAGES).data());

    ChainCosimulation.Report r = ChainCosimulation.run(dir, 0, null, step -> {});
    assertEquals(IMAGES, r.images());
    assertEquals(IMAGES * 10, r.outputs());
    assertTrue(r.bitExact(), r.mismatchCount() + " logits differ, the first " + r.firstMismatches());
    // fc1 sets the pace: (256 / 16) * (784 / 16) cycles per image, plus the pipeline's fill.
    assertEquals(16 * 49, r.cyclesPerImage(), 16 * 49 / 50.0, "cycles per image");
    assertTrue(r.latency() >= 16 * 49 && r.latency() < 2 * 16 * 49, "latency " + r.latency());
  }
}
