package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;

/** bias-correct on the bundled models with the bundled training images. */
class BiasCorrectTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  @Test
  void correctingBiasesWinsBackThreeBitWeightAccuracy() {
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    double before = ModelChecks.accuracy(ModelChecks.quantized("cnn", "canonicalize,quantize{weights=int3}"), test, 1000);
    double after = ModelChecks.accuracy(ModelChecks.quantized("cnn", "canonicalize,quantize{weights=int3},bias-correct{images=256}"), test, 1000);
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
