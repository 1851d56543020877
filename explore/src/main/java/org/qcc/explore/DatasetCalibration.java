// Calibration samples for data-driven passes, from Fashion-MNIST's training split.
package org.qcc.explore;

import java.nio.file.Path;
import java.util.List;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Tensor;
import org.qcc.passes.CalibrationData;

/**
 * {@code fashion-mnist} (Debian's full training split, else the bundled 1,024 training images) or
 * a directory holding {@code train-images-idx3-ubyte.gz} and its labels. Read on first use, so a
 * pipeline with no data-driven pass never touches the files; safe to share between threads.
 */
public final class DatasetCalibration implements CalibrationData {
  private final String spec;
  private final Path bundled;
  private volatile FashionMnist data;

  /** {@code bundled}: the committed subset's directory, the fallback for {@code fashion-mnist}. */
  public DatasetCalibration(String spec, Path bundled) {
    this.spec = spec;
    this.bundled = bundled;
  }

  /** Calibration from a split already in memory. */
  public DatasetCalibration(FashionMnist data) {
    this(data.dir().toString(), data.dir());
    this.data = data;
  }

  /** The training split, read on first use. */
  public synchronized FashionMnist data() {
    if (data == null) {
      data = spec.equals("fashion-mnist") ? FashionMnist.locate(bundled, FashionMnist.Split.TRAIN) : FashionMnist.load(Path.of(spec), FashionMnist.Split.TRAIN);
    }
    return data;
  }

  @Override
  public String source() {
    FashionMnist d = data;
    return d == null ? spec : d.dir() + " (training split)";
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
