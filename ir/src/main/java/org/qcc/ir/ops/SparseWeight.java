// A layer's N:M sparse weight as qcc.Densify stores it.
package org.qcc.ir.ops;

import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.AxisView;

/**
 * The constant in-group positions of a Conv, Gemm or MatMul weight that a {@code qcc.Densify}
 * produces. The positions it does not keep are pruned: sparse hardware never multiplies them, and
 * qcc defines them as absent from the layer's sums (not as products with zero, which an infinite
 * or NaN input would turn into NaN).
 */
public record SparseWeight(int n, int m, int axis, Tensor indices) {
  /** The sparse weight of {@code layer} (its input 1); empty when no qcc.Densify with constant indices produces it. */
  public static Optional<SparseWeight> of(Node layer, Graph g) {
    if (layer.inputs().size() < 2 || layer.inputs().get(1) == null) {
      return Optional.empty();
    }
    Node densify = layer.inputs().get(1).producer();
    if (densify == null || !densify.qualifiedOp().equals("qcc.Densify")) {
      return Optional.empty();
    }
    Tensor indices = g.constants().get(densify.inputs().get(1));
    return indices == null ? Optional.empty() : Optional.of(new SparseWeight(attr(densify, "n"), attr(densify, "m"), attr(densify, "axis"), indices));
  }

  private static int attr(Node n, String key) {
    return (int) ((Attribute.Int) n.attribute(key).orElseThrow(() -> new IllegalArgumentException("qcc.Densify '" + n.name() + "' has no " + key))).value();
  }

  /** For each element of the dense weight, whether its group keeps it. */
  public boolean[] kept() {
    int[] at = positions(indices.shape(), indices, n, m, axis);
    boolean[] kept = new boolean[at.length / n * m];
    for (int dense : at) {
      kept[dense] = true;
    }
    return kept;
  }

  /**
   * The dense index of each element of a compressed tensor of {@code shape}, after checking that
   * {@code indices} increase within each group and stay below m.
   */
  public static int[] positions(int[] shape, Tensor indices, int n, int m, int axis) {
    AxisView v = AxisView.of(shape, axis, "Densify axis");
    if (v.length() % n != 0) {
      throw new IllegalArgumentException("axis " + axis + " holds " + v.length() + " values, not a multiple of n=" + n);
    }
    int groups = v.length() / n;
    int[] at = new int[indices.size()];
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
            at[src] = (o * groups * m + gr * m + (int) pos) * v.inner() + i;
          }
        }
      }
    }
    return at;
  }
}
