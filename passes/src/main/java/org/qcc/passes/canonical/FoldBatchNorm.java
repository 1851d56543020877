// fold-batchnorm: merge an inference BatchNormalization into the Conv or Gemm that feeds it.
package org.qcc.passes.canonical;

import static org.qcc.passes.ConstantFacts.floatAttr;
import static org.qcc.passes.ConstantFacts.fp32Constant;
import static org.qcc.passes.ConstantFacts.intAttr;
import static org.qcc.passes.ConstantFacts.is;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;

/**
 * BN(y) = s * (y - mean) + beta with s = gamma / sqrt(var + eps) per channel, so Conv or Gemm
 * followed by BN is the same layer with weights scaled by s along the output channel and bias
 * (b - mean) * s + beta. Products are formed in double and rounded to fp32 once, so the folded
 * layer differs from the unfolded pair only by fp32 rounding.
 */
public final class FoldBatchNorm {
  public static final PassInfo INFO =
      new PassInfo(
          "fold-batchnorm",
          "Fold inference BatchNormalization into the preceding Conv or Gemm",
          "Applies when BatchNormalization (one output, not training mode, constant fp32 parameters) reads the only use of a"
              + " Conv or Gemm output whose weights (and bias, if any) are fp32 constants. The layer gets new scaled weights"
              + " and bias and takes over the BatchNormalization's output; the old weights stay for dce.",
          List.of(),
          List.of("batchnorms-folded"),
          o -> (g, ctx) -> {
            Users users = ctx.get(Users.ANALYSIS);
            int folded = 0;
            for (Node bn : new ArrayList<>(g.nodes())) {
              if (is(bn, "BatchNormalization") && bn.outputs().size() == 1 && intAttr(bn, "training_mode") == 0 && fold(g, bn, users)) {
                folded++;
              }
            }
            ctx.stat("batchnorms-folded", folded);
            return PassResult.of(folded > 0);
          });

  private FoldBatchNorm() {}

  private static boolean fold(Graph g, Node bn, Users users) {
    Value x = bn.inputs().get(0);
    Node layer = x.producer();
    if (!(is(layer, "Conv") || is(layer, "Gemm")) || !users.onlyUser(x, bn)) {
      return false;
    }
    Optional<Tensor> w = fp32Constant(g, layer, 1);
    if (w.isEmpty() || (layer.input(2).isPresent() && fp32Constant(g, layer, 2).isEmpty())) {
      return false;
    }
    boolean gemm = is(layer, "Gemm");
    if (gemm && w.get().rank() != 2) {
      return false;
    }
    boolean transB = gemm && intAttr(layer, "transB") != 0;
    int channels = gemm ? w.get().dim(transB ? 0 : 1) : w.get().dim(0);
    double[][] p = new double[4][];
    for (int i = 0; i < 4; i++) {
      Optional<Tensor> t = fp32Constant(g, bn, i + 1);
      if (t.isEmpty() || t.get().size() != channels) {
        return false;
      }
      p[i] = values(t.get());
    }
    double[] bias = new double[channels];
    Optional<Tensor> c = fp32Constant(g, layer, 2);
    if (c.isPresent()) {
      if (c.get().size() != channels && c.get().size() != 1) {
        return false;
      }
      double beta = gemm ? floatAttr(layer, "beta") : 1;
      for (int o = 0; o < channels; o++) {
        bias[o] = beta * c.get().getDouble(c.get().size() == 1 ? 0 : o);
      }
    }
    double eps = floatAttr(bn, "epsilon");
    double[] s = new double[channels];
    double[] b = new double[channels];
    for (int o = 0; o < channels; o++) {
      s[o] = p[0][o] / Math.sqrt(p[3][o] + eps);
      b[o] = (bias[o] - p[2][o]) * s[o] + p[1][o];
    }
    double alpha = gemm ? floatAttr(layer, "alpha") : 1;
    Tensor wt = w.get();
    double[] scaled = new double[wt.size()];
    int[] shape = wt.shape();
    int perChannel = wt.size() / shape[0];
    for (int i = 0; i < scaled.length; i++) {
      int o = gemm && !transB ? i % channels : i / perChannel;
      scaled[i] = alpha * wt.getDouble(i) * s[o];
    }
    Value newW = ConstantFacts.addConstant(g, layer.inputs().get(1).name() + "_bn", Tensor.fromDoubles(FloatFormat.FP32, shape, scaled));
    Value newB = ConstantFacts.addConstant(g, layer.name() + "_bn_bias", Tensor.fromDoubles(FloatFormat.FP32, new int[] {channels}, b));
    List<Value> inputs = new ArrayList<>(layer.inputs());
    while (inputs.size() < 3) {
      inputs.add(null);
    }
    inputs.set(1, newW);
    inputs.set(2, newB);
    Map<String, Attribute> attrs = new HashMap<>(layer.attributes());
    if (gemm) {
      attrs.put("alpha", new Attribute.Float(1f));
      attrs.put("beta", new Attribute.Float(1f));
    }
    Node merged = new Node(layer.domain(), layer.opType(), layer.name(), inputs, List.of(bn.output(0)), attrs);
    GraphEdits.replaceNode(g, layer, merged, bn);
    return true;
  }

  private static double[] values(Tensor t) {
    double[] v = new double[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = t.getDouble(i);
    }
    return v;
  }
}
