// Deterministic calibration samples for tests: a ramp in [-1, 1) with a rare outlier of 8.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.FloatFormat;

/**
 * Element i (counting through all samples) is 8 when i % 256 == 255, else (i % 256 - 128) / 128:
 * a bulk in [-1, 1) with one outlier in 256, so clipping methods disagree in ways a test can
 * check.
 * The first symbolic dimension of each input is the batch, other symbolic dimensions are 1.
 */
final class SyntheticCalibration implements CalibrationData {
  private final Graph g;
  private final int count;

  SyntheticCalibration(Graph g, int count) {
    this.g = g;
    this.count = count;
  }

  static float value(long i) {
    long r = i % 256;
    return r == 255 ? 8f : (r - 128) / 128f;
  }

  @Override
  public String source() {
    return "synthetic";
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public List<Tensor> batch(int from, int n) {
    List<Tensor> out = new ArrayList<>();
    for (Value in : g.inputs()) {
      Shape s = in.type().shape();
      int[] dims = new int[s.rank()];
      int perSample = 1;
      for (int d = 0; d < dims.length; d++) {
        dims[d] = s.dim(d) instanceof Dim.Fixed f ? (int) f.size() : d == 0 ? n : 1;
        perSample *= d == 0 ? 1 : dims[d];
      }
      float[] x = new float[n * perSample];
      for (int i = 0; i < x.length; i++) {
        x[i] = value((long) from * perSample + i);
      }
      out.add(new FloatTensor(FloatFormat.FP32, dims, x));
    }
    return out;
  }
}
