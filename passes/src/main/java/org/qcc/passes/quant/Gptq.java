// gptq: second-order weight rounding (GPTQ) for integer and minifloat grids.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;
import org.qcc.simulator.functional.Interpreter;

/**
 * GPTQ (Frantar et al.): quantizes a layer's weight one input column at a time and spreads each
 * column's rounding error over the columns not yet quantized, weighted by the inverse Hessian
 * H = 2 X X^T / n of the layer's inputs X on calibration data, so that W X changes as little as
 * possible. Columns go in blocks (lazy batch updates), the Hessian is damped by a fraction of its
 * mean diagonal, and act-order takes columns in decreasing order of diag(H). The grid is the one
 * the layer's qcc.FakeQuant defines (its format and per-tensor or per-channel scales), so integers
 * and minifloats are handled alike. The weight constant is replaced by the chosen grid values.
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
          "For every 2-D Conv (no groups), Gemm and MatMul whose weight is a qcc.FakeQuant of a constant with a scalar format and per-tensor or"
              + " per-output-channel scales, chooses the weight's grid values column by column with GPTQ (blocked updates,"
              + " damping, optional act-order). Run after quantize (and calibrate, so the Hessians see quantized activations)."
              + " Other layers are left to round-to-nearest with a warning naming them.",
          List.of(IMAGES, BLOCK, DAMP, ACT_ORDER, EXCLUDE),
          List.of("layers-rounded", "samples"),
          o -> (g, ctx) -> new Gptq(g, o).run(ctx));

  /** A layer to round: its weight as [out, K] rows, the per-row scales and the Hessian being summed. */
  private static final class Target {
    final Node layer;
    final Node quantizer;
    final LayerAxes axes;
    final ScalarFormat format;
    final Rounding rounding;
    final float[] rowScale;
    final int out;
    final int k;
    /** The weight's shape (for a Conv, its kernel size). */
    final int[] weightShape;
    final double[] h;
    long rows;

    Target(Node layer, Node quantizer, LayerAxes axes, ScalarFormat format, Rounding rounding, float[] rowScale, int out, int k, int[] weightShape) {
      this.layer = layer;
      this.quantizer = quantizer;
      this.axes = axes;
      this.format = format;
      this.rounding = rounding;
      this.rowScale = rowScale;
      this.out = out;
      this.k = k;
      this.weightShape = weightShape;
      this.h = new double[k * k];
    }
  }

  private final Graph g;
  private final PassOptions o;

  private Gptq(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<Target> targets = new ArrayList<>();
    for (Node n : g.nodes()) {
      Node q = n.inputs().size() > 1 && n.inputs().get(1) != null ? n.inputs().get(1).producer() : null;
      if (!FakeQuants.is(q) || !g.isConstant(q.inputs().get(0)) || LayerAxes.of(n).isEmpty() || o.get(EXCLUDE).contains(n.name())) {
        continue;
      }
      String why = unsupported(n, q);
      if (why != null) {
        ctx.warn("layer '" + n.name() + "' keeps round-to-nearest: " + why);
        continue;
      }
      targets.add(target(n, q));
    }
    if (targets.isEmpty()) {
      return PassResult.unchanged();
    }
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException("gptq needs calibration data (qcc opt --calibration DATASET)"));
    Map<Value, List<Target>> byInput = new IdentityHashMap<>();
    targets.forEach(t -> byInput.computeIfAbsent(t.layer.inputs().get(0), v -> new ArrayList<>()).add(t));
    Interpreter interpreter = new Interpreter(g);
    int samples = Math.min(o.get(IMAGES), data.count());
    data.forEachBatch(
        samples,
        64,
        batch -> {
          for (int i = 0; i < batch.size() && i < g.inputs().size(); i++) {
            Tensor x = batch.get(i);
            byInput.getOrDefault(g.inputs().get(i), List.of()).forEach(t -> accumulate(t, x));
          }
          interpreter.run(batch, (v, x) -> byInput.getOrDefault(v, List.of()).forEach(t -> accumulate(t, x)));
        });
    for (Target t : targets) {
      round(t);
    }
    ctx.stat("layers-rounded", targets.size());
    ctx.stat("samples", samples);
    return PassResult.modified();
  }

  /** Why a quantized layer cannot be rounded here, or null. */
  private String unsupported(Node n, Node q) {
    if (ConstantFacts.is(n, "Conv")) {
      if (g.constant(n.inputs().get(1).producer().inputs().get(0)).rank() != 4 || ConstantFacts.intAttr(n, "group") != 1) {
        return "only 2-D convolutions without groups are supported";
      }
      if (!((org.qcc.ir.Attribute.Str) ConstantFacts.attr(n, "auto_pad")).value().equals("NOTSET")) {
        return "auto_pad is not supported, give pads";
      }
    } else if (!ConstantFacts.is(n, "Gemm") && !ConstantFacts.is(n, "MatMul")) {
      return n.opType() + " layers are not supported";
    }
    if (ConstantFacts.is(n, "Gemm") && ConstantFacts.intAttr(n, "transA") != 0) {
      return "transA=1 is not supported";
    }
    FakeQuantSpec spec = FakeQuants.spec(q);
    LayerAxes ax = LayerAxes.of(n).orElseThrow();
    if (spec.isBlock()) {
      return "the block format " + spec.format().name() + " has a scale per block along the reduction axis";
    }
    if (spec.granularity() instanceof Granularity.PerGroup) {
      return "its per-group scales vary along the reduction axis";
    }
    if (spec.granularity() instanceof Granularity.PerChannel c && c.axis() != ax.weightChannel()) {
      return "its per-channel scales do not run along the output channels";
    }
    if (spec.rounding() == Rounding.STOCHASTIC) {
      return "stochastic rounding has no single grid value to choose";
    }
    return null;
  }

  private Target target(Node n, Node q) {
    FakeQuantSpec spec = FakeQuants.spec(q);
    LayerAxes ax = LayerAxes.of(n).orElseThrow();
    Tensor w = g.constant(q.inputs().get(0));
    int out = w.dim(ax.weightChannel());
    // A convolution's products per output run over (input channel, kernel row, kernel column).
    int k = ConstantFacts.is(n, "Conv") ? w.size() / out : w.dim(ax.weightReduction());
    Tensor scale = g.constant(q.inputs().get(1));
    float[] rowScale = new float[out];
    for (int r = 0; r < out; r++) {
      rowScale[r] = (float) scale.getDouble(scale.size() == 1 ? 0 : r);
    }
    return new Target(n, q, ax, (ScalarFormat) spec.format(), spec.rounding(), rowScale, out, k, w.shape());
  }

  /** Adds x x^T of every input row (the last axis; for a Conv, every input patch) to the Hessian sum. */
  private static void accumulate(Target t, Tensor x) {
    if (ConstantFacts.is(t.layer, "Conv")) {
      accumulatePatches(t, (FloatTensor) x);
      return;
    }
    float[] d = ((FloatTensor) x).data();
    int k = t.k;
    if (d.length % k != 0) {
      throw new IllegalArgumentException("layer '" + t.layer.name() + "' received an input whose last axis is not " + k);
    }
    for (int row = 0; row < d.length / k; row++) {
      int base = row * k;
      for (int i = 0; i < k; i++) {
        double xi = d[base + i];
        if (xi == 0) {
          continue;
        }
        for (int j = 0; j <= i; j++) {
          t.h[i * k + j] += xi * d[base + j];
        }
      }
      t.rows++;
    }
  }

  /** The Conv's input patches in (channel, kernel row, kernel column) order, zeros where padded. */
  private static void accumulatePatches(Target t, FloatTensor x) {
    Node n = t.layer;
    int[] s = x.shape();
    int channels = s[1];
    int kH = t.weightShape[2];
    int kW = t.weightShape[3];
    long[] pads = ints(n, "pads", new long[] {0, 0, 0, 0});
    long[] strides = ints(n, "strides", new long[] {1, 1});
    long[] dilations = ints(n, "dilations", new long[] {1, 1});
    int outH = (int) ((s[2] + pads[0] + pads[2] - dilations[0] * (kH - 1) - 1) / strides[0] + 1);
    int outW = (int) ((s[3] + pads[1] + pads[3] - dilations[1] * (kW - 1) - 1) / strides[1] + 1);
    float[] d = x.data();
    double[] patch = new double[t.k];
    for (int b = 0; b < s[0]; b++) {
      for (int oy = 0; oy < outH; oy++) {
        for (int ox = 0; ox < outW; ox++) {
          int p = 0;
          for (int c = 0; c < channels; c++) {
            for (int ky = 0; ky < kH; ky++) {
              for (int kx = 0; kx < kW; kx++) {
                long iy = oy * strides[0] - pads[0] + ky * dilations[0];
                long ix = ox * strides[1] - pads[1] + kx * dilations[1];
                patch[p++] = iy >= 0 && iy < s[2] && ix >= 0 && ix < s[3] ? d[(int) (((long) (b * channels + c) * s[2] + iy) * s[3] + ix)] : 0;
              }
            }
          }
          for (int i = 0; i < t.k; i++) {
            double xi = patch[i];
            if (xi != 0) {
              for (int j = 0; j <= i; j++) {
                t.h[i * t.k + j] += xi * patch[j];
              }
            }
          }
          t.rows++;
        }
      }
    }
  }

  private static long[] ints(Node n, String name, long[] fallback) {
    return n.attribute(name).map(a -> ((org.qcc.ir.Attribute.Ints) a).values().stream().mapToLong(Long::longValue).toArray()).orElse(fallback);
  }

  private void round(Target t) {
    int k = t.k;
    DMatrixRMaj h = new DMatrixRMaj(k, k);
    for (int i = 0; i < k; i++) {
      for (int j = 0; j <= i; j++) {
        double v = 2 * t.h[i * k + j] / Math.max(1, t.rows);
        h.set(i, j, v);
        h.set(j, i, v);
      }
    }
    double[][] w = weightRows(t);
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
          double qv = t.format.quantize(wp[r][i] / t.rowScale[r], t.rounding, 0) * t.rowScale[r];
          q[r][i] = (float) qv;
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
    writeWeight(t, chosen);
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

  /** The weight as [out][K]. */
  private double[][] weightRows(Target t) {
    Tensor w = g.constant(t.quantizer.inputs().get(0));
    double[][] rows = new double[t.out][t.k];
    boolean outFirst = t.axes.weightChannel() == 0;
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < t.k; i++) {
        rows[r][i] = w.getDouble(outFirst ? r * t.k + i : i * t.out + r);
      }
    }
    return rows;
  }

  private void writeWeight(Target t, double[][] rows) {
    Tensor w = g.constant(t.quantizer.inputs().get(0));
    float[] data = new float[w.size()];
    boolean outFirst = t.axes.weightChannel() == 0;
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < t.k; i++) {
        data[outFirst ? r * t.k + i : i * t.out + r] = (float) rows[r][i];
      }
    }
    GraphEdits.replaceConstantInput(g, t.quantizer, 0, new FloatTensor(w.format(), w.shape(), data));
  }
}
