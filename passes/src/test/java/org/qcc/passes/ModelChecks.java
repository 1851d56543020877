// What the pass tests measure on the bundled models: top-1 accuracy and distance to the fp32 logits.
package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;
import org.qcc.simulator.functional.Interpreter;

/** Shared by the numeric tests of the quantization passes. */
final class ModelChecks {
  static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private ModelChecks() {}

  static Graph model(String name) {
    return OnnxImporter.importFile(HOME.resolve("models/fashion_" + name + ".onnx"));
  }

  static Graph canonical(String name) {
    Graph g = model(name);
    PassManager.build(PassRegistry.standard(), "canonicalize").run(g);
    return g;
  }

  static FashionMnist testSet() {
    return FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
  }

  /** The bundled model after {@code pipeline}, calibrated on the committed training images. */
  static Graph quantized(String name, String pipeline) {
    Graph g = model(name);
    PassManager.build(PassRegistry.standard(), pipeline).run(g, new SubsetCalibration(HOME));
    return g;
  }

  /** An independent copy, through the textual IR (which round-trips exactly). */
  static Graph copy(Graph g) {
    return QirParser.parse(QirPrinter.print(g), "copy");
  }

  /** Asserts that {@code actual} computes what {@code expected} does on 32 test images, up to fp32 rounding. */
  static void assertSameFunction(Graph expected, Graph actual, String name) {
    FloatTensor images = testSet().batch(0, 32);
    Tensor a = new Interpreter(expected).run(List.of(images)).get(0);
    Tensor b = new Interpreter(actual).run(List.of(images)).get(0);
    for (int i = 0; i < a.size(); i++) {
      assertEquals(a.getDouble(i), b.getDouble(i), 1e-4 * Math.max(1, Math.abs(a.getDouble(i))), name + " logit " + i);
    }
  }

  /** How many of the first {@code images} test images the graph classifies correctly. */
  static int correct(Graph g, FashionMnist test, int images) {
    Tensor logits = new Interpreter(g).run(List.of(test.batch(0, images))).get(0);
    int correct = 0;
    for (int i = 0; i < images; i++) {
      int best = 0;
      for (int c = 1; c < 10; c++) {
        best = logits.getDouble(i * 10 + c) > logits.getDouble(i * 10 + best) ? c : best;
      }
      correct += best == test.label(i) ? 1 : 0;
    }
    return correct;
  }

  /** Top-1 accuracy on the first {@code images} test images. */
  static double accuracy(Graph g, FashionMnist test, int images) {
    return (double) correct(g, test, images) / images;
  }

  /** The summed squared difference of the graph's outputs from {@code reference}. */
  static double squaredError(Graph g, Tensor reference, FloatTensor images) {
    Tensor y = new Interpreter(g).run(List.of(images)).get(0);
    double e = 0;
    for (int i = 0; i < y.size(); i++) {
      double d = y.getDouble(i) - reference.getDouble(i);
      e += d * d;
    }
    return e;
  }
}
