package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;
import org.qcc.simulator.functional.Interpreter;

/** Canonicalization must not change what a model computes. */
class CanonicalNumericsTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "vit"})
  void bundledModelsComputeBitIdenticalLogitsAfterCanonicalize(String name) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_" + name + ".onnx"));
    FloatTensor images = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 32);
    Tensor before = new Interpreter(g).run(List.of(images)).get(0);
    int nodes = g.nodes().size();
    PassManager.build(PassRegistry.standard(), Pipeline.parse("canonicalize"), new PassManager.Instrumentation(null, true)).run(g);
    assertTrue(g.nodes().size() <= nodes);
    Tensor after = new Interpreter(g).run(List.of(images)).get(0);
    assertTrue(before.contentEquals(after), name + ": logits changed");
  }

  @Test
  void foldedBatchNormMatchesTheUnfoldedPairToFp32Rounding() {
    String text =
        """
        graph "bn" opsets("" = 17) {
          input %x: fp32[N,3,5,5]
          const %w: fp32[4,3,3,3] = %W
          const %b: fp32[4] = [0.1, -0.2, 0.3, 0.0]
          const %gamma: fp32[4] = [1.5, 0.5, -2.0, 1.0]
          const %beta: fp32[4] = [0.0, 1.0, -1.0, 0.25]
          const %mean: fp32[4] = [0.3, -0.1, 0.2, 0.0]
          const %var: fp32[4] = [0.9, 2.0, 0.1, 1.0]
          %c: fp32[N,4,3,3] = Conv(%x, %w, %b) loc("conv")
          %y: fp32[N,4,3,3] = BatchNormalization(%c, %gamma, %beta, %mean, %var) loc("bn")
          output %y
        }
        """;
    Random r = new Random(7);
    StringBuilder w = new StringBuilder("[");
    for (int i = 0; i < 108; i++) {
      w.append(i == 0 ? "" : ", ").append((float) r.nextGaussian());
    }
    Graph g = QirParser.parse(text.replace("%W", w + "]"), "bn");
    Verifier.standard().inferTypes(g);
    float[] x = new float[2 * 75];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    Tensor in = Tensor.ofFloats(new int[] {2, 3, 5, 5}, x);
    Tensor before = new Interpreter(g).run(List.of(in)).get(0);
    PassManager.build(PassRegistry.standard(), "fold-batchnorm,dce").run(g);
    assertEquals(1, g.nodes().size());
    Tensor after = new Interpreter(g).run(List.of(in)).get(0);
    for (int i = 0; i < before.size(); i++) {
      assertEquals(before.getDouble(i), after.getDouble(i), 1e-5 * (1 + Math.abs(before.getDouble(i))), "element " + i);
    }
  }
}
