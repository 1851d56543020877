// The bundled models quantized and compiled to design folders, for the whole-model co-simulation tests.
package org.qcc.testbenches;

import java.nio.file.Path;
import java.util.List;
import org.qcc.backends.rtl.IceBreaker;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

final class BundledDesigns {
  private BundledDesigns() {}

  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  /**
   * {@code models/MODEL.onnx} through {@code canonicalize,PASSES,calibrate} (calibrated on the
   * committed training images), compiled to {@code dir} folded by 16 with the first {@code images}
   * committed test images as vectors.
   */
  static RtlCompiler.Result compile(String model, String passes, Path dir, int images) {
    return compile(model, passes, dir, images, 16);
  }

  /** As {@link #compile(String, String, Path, int)}, folded by {@code fold}. */
  static RtlCompiler.Result compile(String model, String passes, Path dir, int images, int fold) {
    return write(quantize(model, passes), model, dir, images, fold, fold, IceBreaker.DEFAULT_BAUD, 0);
  }

  /** {@code models/MODEL.onnx} through {@code canonicalize,PASSES,calibrate}, calibrated on the committed training images. */
  static Graph quantize(String model, String passes) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/" + model + ".onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", train.count(), (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), "canonicalize," + passes + ",calibrate").run(g, calibration);
    return g;
  }

  /** {@code g} compiled to {@code dir} (see {@link RtlCompiler}) with the first {@code images} committed test images as vectors. */
  static RtlCompiler.Result write(Graph g, String model, Path dir, int images, int pe, int simd, int baud, int spram) {
    FashionMnist test = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"));
    return RtlCompiler.write(g, dir, model, pe, simd, 0, baud, spram, perImage -> test.batch(0, images).data());
  }
}
