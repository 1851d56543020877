package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.simulator.functional.Interpreter;

/** calibrate on a bundled model with the bundled training images. */
class CalibrateTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  private static final Path SUBSET = HOME.resolve("data/fashion-mnist-subset");

  /** The bundled training images, as the CLI serves them. */
  private static CalibrationData training() {
    return new SubsetCalibration(HOME);
  }


  private static Node node(Graph g, String name) {
    return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
  }

  private static int[] predictions(Graph g, FloatTensor images) {
    Tensor logits = new Interpreter(g).run(List.of(images)).get(0);
    int classes = logits.dim(1);
    int[] p = new int[logits.dim(0)];
    for (int i = 0; i < p.length; i++) {
      for (int c = 1; c < classes; c++) {
        if (logits.getDouble(i * classes + c) > logits.getDouble(i * classes + p[i])) {
          p[i] = c;
        }
      }
    }
    return p;
  }

  @Test
  void theInputScaleComesFromTheLargestPixelSeen() {
    Graph g = ModelChecks.quantized("cnn", "canonicalize,quantize{weights=int8,acts=int8},calibrate{method=minmax,images=100}");
    float[] pixels = FashionMnist.load(SUBSET, FashionMnist.Split.TRAIN).batch(0, 100).data();
    double max = 0;
    for (float p : pixels) {
      max = Math.max(max, p);
    }
    Node first = g.nodes().stream().filter(n -> n.inputs().get(0) == g.inputs().get(0)).findFirst().orElseThrow();
    float scale = (float) g.constant(first.inputs().get(1)).getDouble(0);
    assertEquals(Quantizer.perTensor((ScalarFormat) ElementFormats.parse("int8")).scaleFor(max), scale);
  }

  @ParameterizedTest
  @ValueSource(strings = {"minmax", "percentile", "mse", "kl"})
  void int8ActivationsKeepTheFp32Predictions(String method) {
    FloatTensor test = FashionMnist.load(SUBSET).batch(0, 200);
    int[] fp32 = predictions(OnnxImporter.importFile(HOME.resolve("models/fashion_cnn.onnx")), test);
    Graph g = ModelChecks.quantized("cnn", "canonicalize,quantize{weights=int8,acts=int8},calibrate{method=" + method + ",images=128}");
    int[] q = predictions(g, test);
    int same = 0;
    for (int i = 0; i < q.length; i++) {
      same += q[i] == fp32[i] ? 1 : 0;
    }
    assertTrue(same >= 194, method + ": " + same + "/200 predictions agree with fp32");
  }

  @Test
  void dataOfTheWrongShapeIsAnErrorNamingThePassAndLeavesScalesUnset() {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_cnn.onnx"));
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{acts=int8}").run(g);
    CalibrationData small =
        new CalibrationData() {
          @Override
          public String source() {
            return "small.idx";
          }

          @Override
          public int count() {
            return 4;
          }

          @Override
          public List<Tensor> batch(int from, int n) {
            return List.of(new FloatTensor(org.qcc.ir.formats.FloatFormat.FP32, new int[] {n, 1, 14, 14}, new float[n * 196]));
          }
        };
    PassException e = assertThrows(PassException.class, () -> PassManager.build(PassRegistry.standard(), "calibrate").run(g, small));
    assertTrue(e.getMessage().startsWith("pass 'calibrate': calibration data from small.idx does not fit the model: input"), e.getMessage());
    assertTrue(org.qcc.ir.text.QirPrinter.print(g).contains("= [nan]"), "the scales stay uncalibrated");
  }

  @Test
  void missingDataIsAnErrorOnlyWhenThereIsSomethingToCalibrate() {
    Graph acts = OnnxImporter.importFile(HOME.resolve("models/fashion_mlp.onnx"));
    PassException e =
        assertThrows(PassException.class, () -> PassManager.build(PassRegistry.standard(), "canonicalize,quantize{acts=int8},calibrate").run(acts));
    assertEquals("pass 'calibrate': 3 activation scales need calibration data (qcc opt --calibration DATASET)", e.getMessage());
    Graph weights = OnnxImporter.importFile(HOME.resolve("models/fashion_mlp.onnx"));
    PassContext ctx = PassManager.build(PassRegistry.standard(), "canonicalize,quantize,calibrate").run(weights);
    assertFalse(ctx.statistics().containsKey("calibrate.activations-calibrated"));
  }
}
