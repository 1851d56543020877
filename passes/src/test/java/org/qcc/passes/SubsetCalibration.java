// The bundled Fashion-MNIST training images as calibration data, as the CLI serves them.
package org.qcc.passes;

import java.nio.file.Path;
import java.util.List;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Tensor;

/** The 1,024 training images under data/fashion-mnist-subset. */
final class SubsetCalibration implements CalibrationData {
  private final FashionMnist data;

  SubsetCalibration(Path home) {
    this.data = FashionMnist.load(home.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
  }

  @Override
  public String source() {
    return "train subset";
  }

  @Override
  public int count() {
    return data.count();
  }

  @Override
  public List<Tensor> batch(int from, int n) {
    return List.of(data.batch(from, n));
  }
}
