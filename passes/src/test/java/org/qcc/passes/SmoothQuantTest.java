package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/** smoothquant keeps the function, names what it skips, and helps low-bit activations. */
class SmoothQuantTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  @ParameterizedTest
  @ValueSource(strings = {"cnn", "vit"})
  void smoothingKeepsTheFunction(String name) {
    Graph g = ModelChecks.canonical(name);
    Graph smoothed = ModelChecks.copy(g);
    PassManager.build(PassRegistry.standard(), "smoothquant{images=64}").run(smoothed, new SubsetCalibration(HOME));
    ModelChecks.assertSameFunction(g, smoothed, name);
  }

  @Test
  void theVitsLayerNormsAbsorbTheScalesAndTheOtherLayersAreNamed() {
    Graph g = ModelChecks.canonical("vit");
    PassContext ctx = PassManager.build(PassRegistry.standard(), "smoothquant{images=16}").run(g, new SubsetCalibration(HOME));
    assertEquals(4, ctx.statistics().get("smoothquant.layers-smoothed"), "qkv and fc1 of both blocks, behind ln1 and ln2");
    assertEquals(6, ctx.warnings().size(), ctx.warnings().toString());
    assertTrue(ctx.warnings().contains("pass 'smoothquant': layer '/blocks.0/fc2/MatMul' is not smoothed: its input comes from Mul '/blocks.0/Mul_1', which cannot absorb a per-channel scale"), ctx.warnings().toString());
  }

  @Test
  void smoothingRescuesThreeBitActivations() {
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    String quantize = "quantize{weights=int8,acts=int3},calibrate{images=256}";
    Graph plain = ModelChecks.canonical("cnn");
    PassManager.build(PassRegistry.standard(), quantize).run(plain, new SubsetCalibration(HOME));
    Graph smoothed = ModelChecks.canonical("cnn");
    PassManager.build(PassRegistry.standard(), "smoothquant," + quantize).run(smoothed, new SubsetCalibration(HOME));
    double before = ModelChecks.accuracy(plain, test, 1000);
    double after = ModelChecks.accuracy(smoothed, test, 1000);
    // Measured on 2,000 test images with 512 calibration images: 77.6% without, 83.5% with.
    assertTrue(after > before + 0.02, before + " -> " + after);
  }

  @Test
  void theAlphaSearchPicksTheGridPointWithTheLeastOutputError() {
    SubsetCalibration data = new SubsetCalibration(HOME);
    List<Tensor> reference = new java.util.ArrayList<>();
    Interpreter fp32 = new Interpreter(ModelChecks.canonical("cnn"));
    data.forEachBatch(64, 64, batch -> reference.add(fp32.run(batch).get(0)));
    double bestAlpha = -1;
    double bestError = Double.POSITIVE_INFINITY;
    for (double alpha : new double[] {0, 0.25, 0.5, 0.75, 1}) {
      Graph g = ModelChecks.canonical("cnn");
      PassManager.build(PassRegistry.standard(), "smoothquant{alpha=" + alpha + ",images=64},quantize{weights=int8,acts=int3},calibrate{images=64}").run(g, data);
      Interpreter q = new Interpreter(g);
      double[] error = {0};
      int[] b = {0};
      data.forEachBatch(64, 64, batch -> {
        Tensor y = q.run(batch).get(0);
        for (int i = 0; i < y.size(); i++) {
          double d = y.getDouble(i) - reference.get(b[0]).getDouble(i);
          error[0] += d * d;
        }
        b[0]++;
      });
      if (error[0] < bestError) {
        bestError = error[0];
        bestAlpha = alpha;
      }
    }
    Graph g = ModelChecks.canonical("cnn");
    PassContext ctx = PassManager.build(PassRegistry.standard(), "smoothquant{search=4,weights=int8,acts=int3,images=64}").run(g, data);
    assertEquals(Math.round(1000 * bestAlpha), ctx.statistics().get("smoothquant.alpha-permille"));
  }
}
