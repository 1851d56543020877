// bias-correct: remove the mean output shift that quantizing a layer's weights introduces.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.ir.formats.FloatFormat;
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
 * Empirical bias correction: quantizing a weight W to W_q shifts a layer's expected output by
 * (W_q - W) E[x]. Calibration samples run through the quantized graph; at every Conv and Gemm
 * whose weight is a quantized constant, the layer is evaluated on the input it actually receives
 * with W and with W_q, and the mean difference per output channel is added to the bias (a zero
 * bias is created when there is none). All layers are corrected from the same run.
 */
public final class BiasCorrect {
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 512, 1, 1_000_000, "Calibration samples to average over");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Layers to leave uncorrected");

  public static final PassInfo INFO =
      new PassInfo(
          "bias-correct",
          "Correct the mean output shift of layers with quantized weights, from calibration data",
          "For every Conv and Gemm whose weight is a qcc.FakeQuant of a constant, adds E[W x] - E[W_q x] per output channel"
              + " to the bias, measured on the inputs the layer receives in the quantized graph. Run after quantize and"
              + " calibrate. Layers of other kinds (MatMul has no bias) are skipped with a warning naming them.",
          List.of(IMAGES, EXCLUDE),
          List.of("layers-corrected", "samples"),
          o -> (g, ctx) -> new BiasCorrect(g, o).run(ctx));

  /** A layer to correct: its float and quantized weights and the running sum of output differences per channel. */
  private static final class Target {
    final Node layer;
    final Tensor weight;
    final Tensor quantizedWeight;
    final double[] shift;
    long count;

    Target(Node layer, Tensor weight, Tensor quantizedWeight, int channels) {
      this.layer = layer;
      this.weight = weight;
      this.quantizedWeight = quantizedWeight;
      this.shift = new double[channels];
    }
  }

  private final Graph g;
  private final PassOptions o;

  private BiasCorrect(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    long opset = g.onnxOpset(21);
    List<Target> targets = new ArrayList<>();
    for (Node n : g.nodes()) {
      Optional<Tensor> w = quantizedWeight(n);
      if (w.isEmpty() || o.get(EXCLUDE).contains(n.name())) {
        continue;
      }
      if (!ConstantFacts.is(n, "Conv") && !ConstantFacts.is(n, "Gemm")) {
        ctx.warn("layer '" + n.name() + "' is not bias-corrected: " + n.opType() + " has no bias input");
        continue;
      }
      LayerAxes ax = LayerAxes.of(n).orElseThrow();
      targets.add(new Target(n, w.get(), quantized(n.inputs().get(1).producer(), opset), w.get().dim(ax.weightChannel())));
    }
    if (targets.isEmpty()) {
      return PassResult.unchanged();
    }
    CalibrationData data = ctx.calibration().orElseThrow(() -> new IllegalArgumentException(targets.size() + " layers need calibration data (qcc opt --calibration DATASET)"));
    Map<Value, List<Target>> byInput = new IdentityHashMap<>();
    for (Target t : targets) {
      byInput.computeIfAbsent(t.layer.inputs().get(0), k -> new ArrayList<>()).add(t);
    }
    Interpreter interpreter = new Interpreter(g);
    int samples = Math.min(o.get(IMAGES), data.count());
    data.forEachBatch(samples, 64, batch -> interpreter.run(batch, (v, x) -> byInput.getOrDefault(v, List.of()).forEach(t -> accumulate(t, x, opset))));
    for (Target t : targets) {
      applyShift(t);
    }
    ctx.stat("layers-corrected", targets.size());
    ctx.stat("samples", samples);
    return PassResult.modified();
  }

  /** The float weight behind a layer's qcc.FakeQuant of a constant, when it has one. */
  private Optional<Tensor> quantizedWeight(Node n) {
    if (LayerAxes.of(n).isEmpty() || n.inputs().get(1) == null) {
      return Optional.empty();
    }
    Node q = n.inputs().get(1).producer();
    return FakeQuants.is(q) ? ConstantFacts.fp32Constant(g, q, 0) : Optional.empty();
  }

  /** The values the layer's weight quantizer produces, computed once. */
  private Tensor quantized(Node q, long opset) {
    List<Tensor> inputs = new ArrayList<>();
    for (Value in : q.inputs()) {
      inputs.add(g.constant(in));
    }
    return Interpreter.evaluate(q, inputs, opset).get(0);
  }

  /** Adds the per-channel sum of (float-weight output - quantized-weight output) for one batch. */
  private void accumulate(Target t, Tensor x, long opset) {
    Node n = t.layer;
    List<Tensor> args = new ArrayList<>(List.of(x, t.weight));
    for (int i = 2; i < n.inputs().size(); i++) {
      args.add(n.inputs().get(i) == null ? null : g.constant(n.inputs().get(i)));
    }
    float[] yf = ((FloatTensor) Interpreter.evaluate(n, args, opset).get(0)).data();
    args.set(1, t.quantizedWeight);
    Tensor yqT = Interpreter.evaluate(n, args, opset).get(0);
    float[] yq = ((FloatTensor) yqT).data();
    AxisView v = AxisView.of(yqT.shape(), 1, "output channels");
    for (int i = 0; i < yf.length; i++) {
      t.shift[(i / v.inner()) % v.length()] += yf[i] - yq[i];
    }
    t.count += (long) v.outer() * v.inner();
  }

  private void applyShift(Target t) {
    Node n = t.layer;
    int channels = t.shift.length;
    float[] bias = new float[channels];
    boolean hasBias = n.inputs().size() > 2 && n.inputs().get(2) != null;
    if (hasBias) {
      Tensor b = g.constant(n.inputs().get(2));
      if (b.size() != channels) {
        return; // a broadcast Gemm bias of another shape: leave it
      }
      for (int c = 0; c < channels; c++) {
        bias[c] = (float) b.getDouble(c);
      }
    }
    // Gemm adds beta * C; Conv adds its bias as is.
    double beta = ConstantFacts.is(n, "Gemm") ? ConstantFacts.floatAttr(n, "beta") : 1;
    for (int c = 0; c < channels; c++) {
      bias[c] += (float) (t.shift[c] / t.count / beta);
    }
    FloatTensor corrected = new FloatTensor(FloatFormat.FP32, new int[] {channels}, bias);
    if (hasBias) {
      GraphEdits.replaceConstantInput(g, n, 2, corrected);
    } else {
      n.addInput(ConstantFacts.addConstant(g, n.name() + ".bias", corrected));
    }
  }
}
