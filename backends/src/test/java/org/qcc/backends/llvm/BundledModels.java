// The bundled models and images, as the backend tests use them.
package org.qcc.backends.llvm;

import java.nio.file.Path;
import java.util.List;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

/** Bundled Fashion-MNIST models, optionally through a pass pipeline calibrated on the committed training images. */
final class BundledModels {
  static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private BundledModels() {}

  static Graph model(String name, String pipeline) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_" + name + ".onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", train.count(), (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), pipeline).run(g, calibration);
    return g;
  }

  static FashionMnist testSet() {
    return FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
  }
}
