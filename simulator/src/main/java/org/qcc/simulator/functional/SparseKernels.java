// Kernel of qcc's N:M sparsity op.
package org.qcc.simulator.functional;

import java.util.List;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.AxisView;
import org.qcc.ir.formats.FloatFormat;

/** qcc.Densify: scatters each group's n values to their positions among m. */
final class SparseKernels {
  private SparseKernels() {}

  static List<Tensor> densify(KernelContext ctx) {
    FloatTensor values = (FloatTensor) ctx.in(0);
    Tensor indices = ctx.in(1);
    int n = (int) ctx.i("n");
    int m = (int) ctx.i("m");
    int axis = (int) ctx.i("axis");
    AxisView v = AxisView.of(values.shape(), axis, "Densify axis");
    if (v.length() % n != 0) {
      throw new IllegalArgumentException("axis " + axis + " holds " + v.length() + " values, not a multiple of n=" + n);
    }
    int groups = v.length() / n;
    int[] shape = values.shape().clone();
    shape[axis] = groups * m;
    float[] in = values.data();
    float[] out = new float[in.length / n * m];
    for (int o = 0; o < v.outer(); o++) {
      for (int gr = 0; gr < groups; gr++) {
        for (int i = 0; i < v.inner(); i++) {
          long prior = -1;
          for (int j = 0; j < n; j++) {
            int src = (o * v.length() + gr * n + j) * v.inner() + i;
            long pos = indices.getLong(src);
            if (pos <= prior || pos >= m) {
              throw new IllegalArgumentException("index " + pos + " at element " + src + " is not an increasing position in 0.." + (m - 1));
            }
            prior = pos;
            out[(o * groups * m + gr * m + (int) pos) * v.inner() + i] = in[src];
          }
        }
      }
    }
    return List.of(new FloatTensor(FloatFormat.FP32, shape, out));
  }
}
