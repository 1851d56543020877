// Picks the integer-accumulating kernel for layers whose qcc.acc says so.
package org.qcc.simulator.functional;

import java.util.Map;
import java.util.Optional;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.ops.ExactLayer;

/** Conv, Gemm and MatMul with an integer {@code qcc.acc}: the kernels run on codes, as {@link ExactLayer} defines. */
final class ExactKernels {
  private ExactKernels() {}

  /**
   * The exact kernel for {@code n}; empty when {@code n} has no integer accumulator, or when one of
   * its quantizers is overridden (calibration passes values through unquantized, so there are no
   * codes to accumulate).
   */
  static Optional<Kernel> of(Node n, Graph g, Map<Node, Kernel> overrides) {
    if (!n.domain().isEmpty() || n.inputs().size() < 2 || n.inputs().get(0) == null || n.inputs().get(1) == null) {
      return Optional.empty();
    }
    Node data = n.inputs().get(0).producer();
    Node weight = ExactLayer.weightBeforeDensify(n.inputs().get(1)).producer();
    if (data != null && overrides.containsKey(data) || weight != null && overrides.containsKey(weight)) {
      return Optional.empty();
    }
    Optional<ExactLayer> e = ExactLayer.of(n, g);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    ExactLayer exact = e.get();
    return switch (n.opType()) {
      case "Conv" -> Optional.of(ctx -> ConvKernels.conv(ctx, exact, null));
      case "Gemm" -> Optional.of(ctx -> LinearKernels.gemm(ctx, exact, null));
      case "MatMul" -> Optional.of(ctx -> LinearKernels.matmul(ctx, exact, null));
      default -> Optional.empty();
    };
  }
}
