// Calibration samples for data-driven passes, from Fashion-MNIST's training split.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.List;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Tensor;
import org.qcc.passes.CalibrationData;

/**
 * {@code fashion-mnist} (Debian's full training split, else the bundled 1,024 training images) or
 * a directory holding {@code train-images-idx3-ubyte.gz} and its labels. Read on first use, so a
 * pipeline with no data-driven pass never touches the files.
 */
final class DatasetCalibration implements CalibrationData {
  private final String spec;
  private FashionMnist data;

  DatasetCalibration(String spec) {
    this.spec = spec;
  }

  private FashionMnist data() {
    if (data == null) {
      data =
          spec.equals("fashion-mnist")
              ? FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN)
              : FashionMnist.load(Path.of(spec), FashionMnist.Split.TRAIN);
    }
    return data;
  }

  @Override
  public String source() {
    return data == null ? spec : data.dir() + " (training split)";
  }

  @Override
  public int count() {
    return data().count();
  }

  @Override
  public List<Tensor> batch(int from, int n) {
    return List.of(data().batch(from, n));
  }
}
