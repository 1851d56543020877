// gptq: second-order weight rounding (GPTQ) for integer and minifloat grids.
package org.qcc.passes.quant;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.qcc.ir.Graph;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;

/**
 * GPTQ (Frantar et al.): quantizes a layer's weight one input column at a time and spreads each
 * column's rounding error over the columns not yet quantized, weighted by the inverse Hessian
 * H = 2 X X^T / n of the layer's inputs X on calibration data, so that W X changes as little as
 * possible. Columns go in blocks (lazy batch updates), the Hessian is damped by a fraction of its
 * mean diagonal, and act-order takes columns in decreasing order of diag(H). The grid is the one
 * the layer's qcc.FakeQuant defines (its format with per-tensor, per-channel or per-group scales,
 * or a block format's element format times each block's step), so integers, minifloats, BFP and
 * MX are handled alike. The weight constant is replaced by the chosen grid values.
 */
public final class Gptq {
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 128, 1, 1_000_000, "Calibration samples for the Hessians");
  public static final PassOption.Int BLOCK = new PassOption.Int("block", 128, 1, 65536, "Columns per lazy batch update");
  public static final PassOption.Real DAMP = new PassOption.Real("damp", 0.01, 0, 1, "Damping added to the Hessian's diagonal, as a fraction of its mean");
  public static final PassOption.Flag ACT_ORDER = new PassOption.Flag("act-order", true, "Quantize columns in decreasing order of the Hessian's diagonal");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Layers to round to nearest instead");

  public static final PassInfo INFO =
      new PassInfo(
          "gptq",
          "GPTQ rounding of quantized Conv/Gemm/MatMul weights with layer Hessians from calibration data",
          "For every 2-D Conv (no groups), Gemm and MatMul whose weight is a qcc.FakeQuant of a constant (any format and"
              + " granularity; block formats keep the block steps of the original weight), chooses the weight's grid values column by column with GPTQ (blocked updates,"
              + " damping, optional act-order). Run after quantize (and calibrate, so the Hessians see quantized activations)."
              + " Other layers are left to round-to-nearest with a warning naming them.",
          List.of(IMAGES, BLOCK, DAMP, ACT_ORDER, EXCLUDE),
          List.of("layers-rounded", "samples"),
          o -> (g, ctx) -> new Gptq(g, o).run(ctx));

  private final Graph g;
  private final PassOptions o;

  private Gptq(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<LayerHessians.Target> targets = LayerHessians.collect(g, ctx, o.get(EXCLUDE), o.get(IMAGES), "gptq");
    if (targets.isEmpty()) {
      return PassResult.unchanged();
    }
    for (LayerHessians.Target t : targets) {
      round(t, ctx);
    }
    ctx.stat("layers-rounded", targets.size());
    return PassResult.modified();
  }

  private void round(LayerHessians.Target t, PassContext ctx) {
    int k = t.k;
    DMatrixRMaj h = new DMatrixRMaj(LayerHessians.hessian(t));
    double[][] w = LayerHessians.weightRows(g, t);
    // Inputs that are always zero carry no information: their weights quantize on their own.
    double meanDiag = 0;
    for (int i = 0; i < k; i++) {
      if (h.get(i, i) == 0) {
        h.set(i, i, 1);
      }
      meanDiag += h.get(i, i) / k;
    }
    int[] order = order(h, o.get(ACT_ORDER));
    DMatrixRMaj hp = new DMatrixRMaj(k, k);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        hp.set(i, j, h.get(order[i], order[j]));
      }
      hp.add(i, i, o.get(DAMP) * meanDiag);
    }
    DMatrixRMaj u = upperCholeskyOfInverse(hp, t.layer.name());
    double[][] wp = new double[t.out][k];
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < k; i++) {
        wp[r][i] = w[r][order[i]];
      }
    }
    double[][] q = new double[t.out][k];
    int block = o.get(BLOCK);
    for (int i1 = 0; i1 < k; i1 += block) {
      int i2 = Math.min(k, i1 + block);
      double[][] err = new double[t.out][i2 - i1];
      for (int i = i1; i < i2; i++) {
        double d = u.get(i, i);
        for (int r = 0; r < t.out; r++) {
          q[r][i] = (float) t.quantize(r, order[i], wp[r][i], t.rounding);
          double e = (wp[r][i] - q[r][i]) / d;
          err[r][i - i1] = e;
          for (int j = i + 1; j < i2; j++) {
            wp[r][j] -= e * u.get(i, j);
          }
        }
      }
      // The lazy batch update: the block's errors reach the remaining columns at once.
      for (int r = 0; r < t.out; r++) {
        for (int i = i1; i < i2; i++) {
          double e = err[r][i - i1];
          if (e != 0) {
            for (int j = i2; j < k; j++) {
              wp[r][j] -= e * u.get(i, j);
            }
          }
        }
      }
    }
    double[][] chosen = new double[t.out][k];
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < k; i++) {
        chosen[r][order[i]] = q[r][i];
      }
    }
    LayerHessians.writeWeight(g, ctx, t, chosen);
  }

  private static int[] order(DMatrixRMaj h, boolean actOrder) {
    Integer[] idx = new Integer[h.numRows];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    if (actOrder) {
      java.util.Arrays.sort(idx, (a, b) -> Double.compare(h.get(b, b), h.get(a, a)));
    }
    return java.util.Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  /** U upper triangular with H^-1 = U^T U, the factor GPTQ's updates read rows of. */
  private static DMatrixRMaj upperCholeskyOfInverse(DMatrixRMaj h, String layer) {
    DMatrixRMaj inv = new DMatrixRMaj(h.numRows, h.numCols);
    if (!CommonOps_DDRM.invert(h, inv)) {
      throw new IllegalArgumentException("layer '" + layer + "': the damped Hessian is singular; raise damp");
    }
    CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(inv.numRows, false);
    if (!chol.decompose(inv)) {
      throw new IllegalArgumentException("layer '" + layer + "': the inverse Hessian is not positive definite; raise damp");
    }
    return chol.getT(null);
  }

}
