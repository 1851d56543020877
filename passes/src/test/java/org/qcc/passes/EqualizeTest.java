package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;
import org.qcc.simulator.functional.Interpreter;

/** equalize keeps the function, skips what it cannot do with a warning, and helps low-bit per-tensor weights. */
class EqualizeTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn"})
  void equalizingKeepsTheFunction(String name) {
    Graph g = ModelChecks.canonical(name);
    Graph eq = QirParser.parse(QirPrinter.print(g), "copy");
    PassContext ctx = PassManager.build(PassRegistry.standard(), "equalize").run(eq);
    assertEquals(2, ctx.statistics().get("equalize.pairs-equalized"));
    FloatTensor images = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 32);
    Tensor a = new Interpreter(g).run(List.of(images)).get(0);
    Tensor b = new Interpreter(eq).run(List.of(images)).get(0);
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.getDouble(i), b.getDouble(i), 1e-4 * Math.max(1, Math.abs(a.getDouble(i))), name + " logit " + i);
    }
  }

  @Test
  void aGeluBetweenLayersIsSkippedWithAWarningNamingTheLayer() {
    Graph g = ModelChecks.canonical("vit");
    PassContext ctx = PassManager.build(PassRegistry.standard(), "equalize").run(g);
    assertEquals(0, ctx.statistics().get("equalize.pairs-equalized"));
    assertEquals(
        List.of(
            "pass 'equalize': layer '/blocks.0/fc1/MatMul' is not equalized: Erf '/blocks.0/Erf' is not positively homogeneous",
            "pass 'equalize': layer '/blocks.1/fc1/MatMul' is not equalized: Erf '/blocks.1/Erf' is not positively homogeneous"),
        ctx.warnings());
  }

  @Test
  void equalizationRescuesThreeBitPerTensorWeights() {
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    String quantize = "quantize{weights=int3,granularity=tensor}";
    Graph plain = ModelChecks.canonical("mlp");
    PassManager.build(PassRegistry.standard(), quantize).run(plain);
    Graph equalized = ModelChecks.canonical("mlp");
    PassManager.build(PassRegistry.standard(), "equalize," + quantize).run(equalized);
    double before = ModelChecks.accuracy(plain, test, 1000);
    double after = ModelChecks.accuracy(equalized, test, 1000);
    // Measured on 2,000 images: 36.0% without, 55.8% with.
    assertTrue(after > before + 0.1, before + " -> " + after);
  }
}
