// Folding a layer chain for a target throughput with the fewest multipliers.
package org.qcc.backends.rtl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qcc.backends.BackendException;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

class ChainPlanFoldingTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  private static Graph mlp;

  @BeforeAll
  static void quantizeTheBundledMlp() {
    mlp = OnnxImporter.importFile(HOME.resolve("models/fashion_mlp.onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", 256, (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{weights=int4,acts=int8},calibrate").run(mlp, calibration);
  }

  /**
   * For several targets, the plan meets the target in every layer, and no folding within the limits
   * that meets it (every PE and first SIMD that divide, later SIMDs the previous PE) takes fewer
   * multipliers: checked against all of them.
   */
  @Test
  void aTargetIsMetWithTheFewestMultipliers() {
    for (long target : new long[] {800, 1600, 4000, 20000}) {
      List<ChainPlan.Layer> layers = ChainPlan.of(mlp, 16, 16, target).layers();
      long used = 0;
      for (int i = 0; i < layers.size(); i++) {
        ChainPlan.Layer l = layers.get(i);
        assertTrue((long) (l.rows() / l.pe()) * (l.cols() / l.simd()) <= target, "layer " + i + " for " + target);
        assertEquals(i == 0 ? l.simd() : layers.get(i - 1).pe(), l.simd());
        used += l.multipliers();
      }
      assertEquals(fewest(layers, target), used, "multipliers for " + target);
    }
    // The bundled MLP is 784-256-128-10: at 4000 cycles fc1 takes 8 x 7 multipliers (3,584 cycles).
    ChainPlan.Layer fc1 = ChainPlan.of(mlp, 16, 16, 4000).layers().get(0);
    assertEquals(List.of(8, 7), List.of(fc1.pe(), fc1.simd()));
  }

  @Test
  void anUnreachableTargetIsRefused() {
    BackendException e = assertThrows(BackendException.class, () -> ChainPlan.of(mlp, 16, 16, 100));
    assertEquals("no folding with PE up to --pe 16 and SIMD up to --simd 16 brings every layer to 100 cycles per image (raise them, or the target)", e.getMessage());
  }

  /** The fewest multipliers of any folding meeting {@code target}, by enumeration. */
  private static long fewest(List<ChainPlan.Layer> layers, long target) {
    long best = Long.MAX_VALUE;
    for (int simd = 1; simd <= 16; simd++) {
      if (layers.get(0).cols() % simd == 0) {
        best = Math.min(best, fewest(layers, 0, simd, target));
      }
    }
    return best;
  }

  private static long fewest(List<ChainPlan.Layer> layers, int i, int simd, long target) {
    if (i == layers.size()) {
      return 0;
    }
    ChainPlan.Layer l = layers.get(i);
    long best = Long.MAX_VALUE;
    if (l.cols() % simd != 0) {
      return best;
    }
    for (int pe = 1; pe <= 16; pe++) {
      if (l.rows() % pe == 0 && (long) (l.rows() / pe) * (l.cols() / simd) <= target) {
        long rest = fewest(layers, i + 1, pe, target);
        if (rest != Long.MAX_VALUE) {
          best = Math.min(best, (long) pe * simd + rest);
        }
      }
    }
    return best;
  }
}
