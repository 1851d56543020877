// Kernel of qcc's N:M sparsity op, and the kernels of layers over its output.
package org.qcc.simulator.functional;

import java.util.List;
import java.util.Optional;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.SparseWeight;

/**
 * qcc.Densify scatters each group's n values to their positions among m. An fp32 Conv, Gemm or
 * MatMul over a {@link SparseWeight} leaves the pruned products out of its sums; integer-accumulating
 * layers need no mask, as their exact sums do not change.
 */
final class SparseKernels {
  private SparseKernels() {}

  static List<Tensor> densify(KernelContext ctx) {
    FloatTensor values = (FloatTensor) ctx.in(0);
    int n = (int) ctx.i("n");
    int m = (int) ctx.i("m");
    int axis = (int) ctx.i("axis");
    int[] at = SparseWeight.positions(values.shape(), ctx.in(1), n, m, axis);
    float[] in = values.data();
    float[] out = new float[in.length / n * m];
    for (int src = 0; src < in.length; src++) {
      out[at[src]] = in[src];
    }
    int[] shape = values.shape().clone();
    shape[axis] = shape[axis] / n * m;
    return List.of(new FloatTensor(FloatFormat.FP32, shape, out));
  }

  /** The fp32 kernel of a layer over an N:M sparse weight; empty for any other node. */
  static Optional<Kernel> layer(Node n, Graph g) {
    if (!n.domain().isEmpty()) {
      return Optional.empty();
    }
    Optional<SparseWeight> w = SparseWeight.of(n, g);
    if (w.isEmpty()) {
      return Optional.empty();
    }
    boolean[] kept = w.get().kept();
    return switch (n.opType()) {
      case "Conv" -> Optional.of(ctx -> ConvKernels.conv(ctx, null, kept));
      case "Gemm" -> Optional.of(ctx -> LinearKernels.gemm(ctx, null, kept));
      case "MatMul" -> Optional.of(ctx -> LinearKernels.matmul(ctx, null, kept));
      default -> Optional.empty();
    };
  }
}
