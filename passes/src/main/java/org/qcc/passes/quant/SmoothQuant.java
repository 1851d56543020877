// smoothquant: move activation outliers into the weights, one scale per input channel.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.fp32Constant;
import static org.qcc.passes.ConstantFacts.intAttr;
import static org.qcc.passes.ConstantFacts.is;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;
import org.qcc.passes.AnalysisManager;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassRegistry;
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;
import org.qcc.simulator.functional.Interpreter;

/**
 * SmoothQuant (Xiao et al.): for the layers reading a value X, input channel j of X is divided by
 * s_j = max|X_j|^alpha / max|W_j|^(1 - alpha) and the weights' input channel j multiplied by it,
 * so activation outliers move into the weights, which quantize per channel. The division is
 * folded where X is made: into a LayerNormalization's scale and bias, or into the producer of a
 * channel region through positively homogeneous ops (as {@code equalize} does). Layers whose
 * input has no such place are skipped with a warning naming them.
 */
public final class SmoothQuant {
  public static final PassOption.Real ALPHA = new PassOption.Real("alpha", 0.5, 0, 1, "Migration strength: 0 leaves activations, 1 moves all of their range into the weights");
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 256, 1, 1_000_000, "Calibration samples for the activation maxima");
  public static final PassOption.Int SEARCH = new PassOption.Int("search", 0, 0, 100, "Try alpha = 0, 1/N, ..., 1 and keep the best (0: use alpha as given)");
  public static final PassOption.Format WEIGHTS = new PassOption.Format("weights", "int8", "Weight format the alpha search quantizes with");
  public static final PassOption.Format ACTS = new PassOption.Format("acts", "int8", "Activation format the alpha search quantizes with");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Layers to leave unsmoothed");

  public static final PassInfo INFO =
      new PassInfo(
          "smoothquant",
          "Migrate activation outliers into the weights per input channel (SmoothQuant)",
          "Scales input channel j of each Conv/Gemm/MatMul's data by 1/s_j and its weights by s_j, s_j = max|X_j|^alpha /"
              + " max|W_j|^(1-alpha) with activation maxima from calibration data, folding 1/s into a LayerNormalization's scale"
              + " and bias or into the producer of a positively homogeneous channel region. Other layers are skipped with a"
              + " warning naming them. Run before quantize. With search=N, alpha = 0, 1/N, ..., 1 are each tried on a copy of the"
              + " graph quantized to the weights and acts formats (calibrated with calibrate's default method), and the alpha whose outputs come"
              + " closest to the unquantized graph's on the calibration samples is used (statistic alpha-permille).",
          List.of(ALPHA, IMAGES, SEARCH, WEIGHTS, ACTS, EXCLUDE),
          List.of("layers-smoothed", "layers-skipped", "alpha-permille"),
          o -> (g, ctx) -> new SmoothQuant(g, o).run(ctx));

  /** Readers of one value and how to divide that value's channels: a LayerNorm, or a channel region. */
  private record Group(Value input, int axis, List<Node> readers, Node layerNorm, ChannelRegion region) {}

  private final Graph g;
  private final PassOptions o;

  private SmoothQuant(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  /**
   * The alpha of the grid whose smoothed and quantized copy of the graph has outputs closest (sum
   * of squared differences) to the graph's own on the calibration samples: the SmoothQuant
   * paper's search, judged on the model's outputs rather than on one layer. Smoothing does not
   * change the activations it is computed from, so every candidate reuses {@code actMax}, keyed
   * by value name since each copy has values of its own.
   */
  private double searchAlpha(Map<String, float[]> actMax, CalibrationData data, PassContext ctx) {
    int samples = Math.min(o.get(IMAGES), data.count());
    List<Tensor> reference = outputs(g, data, samples);
    String quantize = "quantize{weights=" + o.get(WEIGHTS).name() + ",acts=" + o.get(ACTS).name() + "},calibrate{images=" + samples + "}";
    double best = o.get(ALPHA);
    double bestError = Double.POSITIVE_INFINITY;
    for (int k = 0; k <= o.get(SEARCH); k++) {
      double alpha = k / (double) o.get(SEARCH);
      Graph copy = QirParser.parse(QirPrinter.print(g), g.name());
      Verifier.standard().inferTypes(copy);
      SmoothQuant candidate = new SmoothQuant(copy, o);
      candidate.smoothAll(candidate.groups(new AnalysisManager(copy).get(Users.ANALYSIS), null), actMax, alpha);
      PassManager.build(PassRegistry.standard(), quantize).run(copy, data);
      List<Tensor> got = outputs(copy, data, samples);
      double error = 0;
      for (int b = 0; b < got.size(); b++) {
        for (int i = 0; i < got.get(b).size(); i++) {
          double d = got.get(b).getDouble(i) - reference.get(b).getDouble(i);
          error += d * d;
        }
      }
      if (error < bestError) {
        bestError = error;
        best = alpha;
      }
    }
    ctx.stat("alpha-permille", Math.round(1000 * best));
    return best;
  }

  /** The first output of {@code graph} for each calibration batch. */
  private static List<Tensor> outputs(Graph graph, CalibrationData data, int samples) {
    Interpreter interpreter = new Interpreter(graph);
    List<Tensor> out = new ArrayList<>();
    data.forEachBatch(samples, 64, batch -> out.add(interpreter.run(batch).get(0)));
    return out;
  }

  private PassResult run(PassContext ctx) {
    List<Group> groups = groups(ctx.get(Users.ANALYSIS), ctx);
    if (groups.isEmpty()) {
      return PassResult.unchanged();
    }
    Map<String, float[]> actMax = activationMaxima(groups, ctx);
    double alpha = o.get(SEARCH) > 0 ? searchAlpha(actMax, calibration(ctx), ctx) : o.get(ALPHA);
    smoothAll(groups, actMax, alpha);
    ctx.stat("layers-smoothed", groups.stream().mapToInt(grp -> grp.readers().size()).sum());
    return PassResult.modified();
  }

  /** The groups to smooth; with a context, every other layer with a constant weight is reported as skipped. */
  private List<Group> groups(Users users, PassContext report) {
    List<Group> groups = new ArrayList<>();
    Set<Node> covered = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    for (Node n : g.nodes()) {
      layerNormGroup(n, users).or(() -> regionGroup(n, users)).ifPresent(grp -> {
        groups.add(grp);
        covered.addAll(grp.readers());
      });
    }
    if (report == null) {
      return groups;
    }
    for (Node n : g.nodes()) {
      if (LayerAxes.of(n).isPresent() && fp32Constant(g, n, 1).isPresent() && !covered.contains(n) && !o.get(EXCLUDE).contains(n.name())) {
        Node p = n.inputs().get(0).producer();
        report.warn("layer '" + n.name() + "' is not smoothed: its input comes from " + (p == null ? "a graph input" : p.opType() + " '" + p.name() + "'") + ", which cannot absorb a per-channel scale");
        report.stat("layers-skipped", 1);
      }
    }
    return groups;
  }

  private void smoothAll(List<Group> groups, Map<String, float[]> actMax, double alpha) {
    for (Group grp : groups) {
      smooth(grp, actMax.get(grp.input().name()), alpha);
    }
  }

  /** A LayerNormalization over the last axis with a constant scale, read only by layers reducing over that axis. */
  private Optional<Group> layerNormGroup(Node ln, Users users) {
    if (!is(ln, "LayerNormalization") || ln.outputs().size() != 1 || fp32Constant(g, ln, 1).isEmpty() || ln.inputs().size() > 2 && ln.inputs().get(2) != null && fp32Constant(g, ln, 2).isEmpty()) {
      return Optional.empty();
    }
    Tensor gamma = fp32Constant(g, ln, 1).get();
    Value out = ln.output(0);
    boolean lastAxis = intAttr(ln, "axis") == -1 || out.type().shape().ranked() && intAttr(ln, "axis") == out.type().shape().rank() - 1;
    if (!lastAxis || gamma.rank() != 1 || users.isGraphOutput(out)) {
      return Optional.empty();
    }
    List<Node> readers = new ArrayList<>();
    for (Node u : users.of(out)) {
      Optional<LayerAxes> ax = LayerAxes.of(u);
      boolean reducesLast = ax.isPresent() && !is(u, "Conv") && !(is(u, "Gemm") && intAttr(u, "transA") != 0);
      if (!reducesLast || u.inputs().get(0) != out || fp32Constant(g, u, 1).isEmpty() || o.get(EXCLUDE).contains(u.name())) {
        return Optional.empty();
      }
      readers.add(u);
    }
    return readers.isEmpty() ? Optional.empty() : Optional.of(new Group(out, -1, readers, ln, null));
  }

  /** A channel region through homogeneous ops whose readers all read one value. */
  private Optional<Group> regionGroup(Node producer, Users users) {
    Optional<ChannelRegion> r = ChannelRegion.of(g, producer, users);
    if (r.isEmpty() || r.get().nonHomogeneousOp(g).isPresent() || r.get().readers().stream().anyMatch(u -> o.get(EXCLUDE).contains(u.name()))) {
      return Optional.empty();
    }
    Value input = r.get().readers().get(0).inputs().get(0);
    if (r.get().readers().stream().anyMatch(u -> u.inputs().get(0) != input)) {
      return Optional.empty();
    }
    return Optional.of(new Group(input, r.get().axes().get(input), r.get().readers(), null, r.get()));
  }

  /** Each group input's channel maxima on calibration data, by value name. */
  private Map<String, float[]> activationMaxima(List<Group> groups, PassContext ctx) {
    CalibrationData data = calibration(ctx);
    Map<Value, Integer> axes = new IdentityHashMap<>();
    groups.forEach(grp -> axes.put(grp.input(), grp.axis()));
    Map<String, float[]> byName = new java.util.HashMap<>();
    ChannelRegion.activationMaxima(g, data, Math.min(o.get(IMAGES), data.count()), axes).forEach((v, m) -> byName.put(v.name(), m));
    return byName;
  }

  private static CalibrationData calibration(PassContext ctx) {
    return ctx.calibration().orElseThrow(() -> new IllegalArgumentException("smoothquant needs calibration data (qcc opt --calibration DATASET)"));
  }

  private void smooth(Group grp, float[] actMax, double alpha) {
    float[] weightMax = new float[actMax.length];
    for (Node u : grp.readers()) {
      FloatTensor w = (FloatTensor) g.constant(u.inputs().get(1));
      ChannelRegion.channelMax(w.data(), w.shape(), LayerAxes.of(u).orElseThrow().weightReduction(), weightMax);
    }
    float[] s = new float[actMax.length];
    for (int j = 0; j < s.length; j++) {
      s[j] = actMax[j] > 0 && weightMax[j] > 0 ? (float) (Math.pow(actMax[j], alpha) / Math.pow(weightMax[j], 1 - alpha)) : 1f;
    }
    if (grp.region() != null) {
      grp.region().rescale(g, s);
      return;
    }
    Node ln = grp.layerNorm();
    ChannelRegion.scaleConstant(g, ln, 1, 0, s, true);
    if (ln.inputs().size() > 2 && ln.inputs().get(2) != null) {
      ChannelRegion.scaleConstant(g, ln, 2, 0, s, true);
    }
    for (Node u : grp.readers()) {
      ChannelRegion.scaleConstant(g, u, 1, LayerAxes.of(u).orElseThrow().weightReduction(), s, false);
    }
  }
}
