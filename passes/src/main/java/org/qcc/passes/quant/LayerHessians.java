// The quantized layers a rounding pass works on, with their input Hessians from calibration data.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassContext;
import org.qcc.simulator.functional.Interpreter;

/**
 * Finds the layers whose weight is a qcc.FakeQuant of a constant (2-D Conv without groups, Gemm,
 * MatMul), warns about the quantized layers it cannot take, and sums each layer's input Hessian
 * sum(x x^T) over calibration data, x being an input row (an input patch for a Conv) as the
 * quantized graph delivers it. Weights are handled as [out][K] rows. Every weight's grid is its
 * element format times its own step: the scale of its tensor, channel or group, or for block
 * formats its block's step as the original weight sets it. A rounding pass chooses values on
 * that grid; {@link #writeWeight} checks that the quantizer keeps them.
 */
final class LayerHessians {
  private LayerHessians() {}

  /** A layer to round: its weight as [out, K] rows, each weight's grid step and the Hessian being summed. */
  static final class Target {
    final Node layer;
    final Node quantizer;
    final LayerAxes axes;
    /** The format of one element (a block format's element format). */
    final ScalarFormat format;
    final Rounding rounding;
    /** [out][K]: what each weight's element code is multiplied by. */
    final double[][] step;
    final int out;
    final int k;
    /** The weight's shape (for a Conv, its kernel size). */
    final int[] weightShape;
    final double[] h;
    long rows;

    Target(Node layer, Node quantizer, LayerAxes axes, ScalarFormat format, Rounding rounding, int out, int k, int[] weightShape) {
      this.layer = layer;
      this.quantizer = quantizer;
      this.axes = axes;
      this.format = format;
      this.rounding = rounding;
      this.step = new double[out][k];
      this.out = out;
      this.k = k;
      this.weightShape = weightShape;
      this.h = new double[k * k];
    }

    /** The grid value of {@code w} in row {@code r}, column {@code i} under {@code mode}. */
    double quantize(int r, int i, double w, Rounding mode) {
      double s = step[r][i];
      return s == 0 || Double.isNaN(s) ? 0 : format.quantize(w / s, mode, 0) * s;
    }
  }

  /** The layers to round, with their Hessian sums; empty when there are none (then no data is read). */
  static List<Target> collect(Graph g, PassContext ctx, List<String> exclude, int images, String pass) {
    List<Target> targets = new ArrayList<>();
    for (Node n : g.nodes()) {
      Node q = n.inputs().size() > 1 && n.inputs().get(1) != null ? n.inputs().get(1).producer() : null;
      if (!FakeQuants.is(q) || !g.isConstant(q.inputs().get(0)) || LayerAxes.of(n).isEmpty() || exclude.contains(n.name())) {
        continue;
      }
      String why = unsupported(g, n, q);
      if (why != null) {
        ctx.warn("layer '" + n.name() + "' keeps round-to-nearest: " + why);
        continue;
      }
      targets.add(target(g, n, q));
    }
    if (targets.isEmpty()) {
      return targets;
    }
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException(pass + " needs calibration data (qcc opt --calibration DATASET)"));
    Map<Value, List<Target>> byInput = new IdentityHashMap<>();
    targets.forEach(t -> byInput.computeIfAbsent(t.layer.inputs().get(0), v -> new ArrayList<>()).add(t));
    Interpreter interpreter = new Interpreter(g);
    int samples = Math.min(images, data.count());
    data.forEachBatch(samples, 64, batch -> interpreter.run(batch, (v, x) -> byInput.getOrDefault(v, List.of()).forEach(t -> accumulate(t, x))));
    ctx.stat("samples", samples);
    return targets;
  }

  /** Why a quantized layer cannot be rounded here, or null. */
  private static String unsupported(Graph g, Node n, Node q) {
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
    if (!(g.constant(q.inputs().get(0)) instanceof FloatTensor)) {
      return "its weight is not an fp32 constant";
    }
    if (!spec.isBlock() && q.inputs().size() < 2) {
      return "its weight quantizer has no scale";
    }
    if (spec.rounding() == Rounding.STOCHASTIC) {
      return "stochastic rounding has no single grid value to choose";
    }
    return null;
  }

  private static Target target(Graph g, Node n, Node q) {
    FakeQuantSpec spec = FakeQuants.spec(q);
    LayerAxes ax = LayerAxes.of(n).orElseThrow();
    Tensor w = g.constant(q.inputs().get(0));
    int out = w.dim(ax.weightChannel());
    // A convolution's products per output run over (input channel, kernel row, kernel column).
    int k = ConstantFacts.is(n, "Conv") ? w.size() / out : w.dim(ax.weightReduction());
    float[] data = ((FloatTensor) w).data();
    double[] steps;
    ScalarFormat element;
    if (spec.format() instanceof BlockFormat f) {
      steps = BlockQuantizer.elementSteps(f, data, w.shape(), spec.axis());
      element = f.elementFormat();
    } else {
      steps = new double[data.length];
      Tensor scale = g.constant(q.inputs().get(1));
      float[] s = new float[scale.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) scale.getDouble(i);
      }
      float[] perElement = spec.quantizer().elementScales(w.shape(), s);
      for (int i = 0; i < steps.length; i++) {
        steps[i] = perElement[i];
      }
      element = (ScalarFormat) spec.format();
    }
    Target t = new Target(n, q, ax, element, spec.rounding(), out, k, w.shape());
    toRows(t, steps, t.step);
    return t;
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

  /** Element {@code [r][i]}'s index in the weight tensor. */
  private static int flatIndex(Target t, int r, int i) {
    return t.axes.weightChannel() == 0 ? r * t.k + i : i * t.out + r;
  }

  private static void toRows(Target t, double[] flat, double[][] rows) {
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < t.k; i++) {
        rows[r][i] = flat[flatIndex(t, r, i)];
      }
    }
  }

  /** The weight as [out][K]. */
  static double[][] weightRows(Graph g, Target t) {
    Tensor w = g.constant(t.quantizer.inputs().get(0));
    double[] flat = new double[w.size()];
    for (int i = 0; i < flat.length; i++) {
      flat[i] = w.getDouble(i);
    }
    double[][] rows = new double[t.out][t.k];
    toRows(t, flat, rows);
    return rows;
  }

  /**
   * Replaces the weight with the chosen grid values. Block formats recompute their scales from the
   * weight, so chosen values can land on another grid (e.g. NVFP4's per-tensor scale moves when the
   * largest weight does); the values kept are what the quantizer makes of them, and a warning says
   * how many moved.
   */
  static void writeWeight(Graph g, PassContext ctx, Target t, double[][] rows) {
    Tensor w = g.constant(t.quantizer.inputs().get(0));
    float[] data = new float[w.size()];
    for (int r = 0; r < t.out; r++) {
      for (int i = 0; i < t.k; i++) {
        data[flatIndex(t, r, i)] = (float) rows[r][i];
      }
    }
    FakeQuantSpec spec = FakeQuants.spec(t.quantizer);
    if (spec.format() instanceof BlockFormat f) {
      float[] kept = new float[data.length];
      BlockQuantizer.fakeQuantize(f, data, w.shape(), spec.axis(), t.rounding, 0, kept);
      long moved = 0;
      for (int i = 0; i < data.length; i++) {
        moved += Float.compare(kept[i], data[i]) != 0 ? 1 : 0;
      }
      if (moved > 0) {
        ctx.warn("layer '" + t.layer.name() + "': " + moved + " of " + data.length + " chosen weights moved when " + f.name() + " recomputed its block scales");
      }
      data = kept;
    }
    GraphEdits.replaceConstantInput(g, t.quantizer, 0, new FloatTensor(w.format(), w.shape(), data));
  }

  /** The Hessian 2 X X^T / n as a full symmetric matrix. */
  static double[][] hessian(Target t) {
    double[][] h = new double[t.k][t.k];
    for (int i = 0; i < t.k; i++) {
      for (int j = 0; j <= i; j++) {
        h[i][j] = h[j][i] = 2 * t.h[i * t.k + j] / Math.max(1, t.rows);
      }
    }
    return h;
  }
}
