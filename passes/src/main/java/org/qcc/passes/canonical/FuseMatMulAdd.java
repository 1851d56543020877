// fuse-matmul-add: MatMul by a constant matrix plus a constant bias becomes one Gemm.
package org.qcc.passes.canonical;

import static org.qcc.passes.ConstantFacts.floatAttr;
import static org.qcc.passes.ConstantFacts.fp32Constant;
import static org.qcc.passes.ConstantFacts.is;

import java.util.ArrayList;
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
 * A fully connected layer exported as MatMul + Add (or a Gemm without C followed by Add) is one
 * Gemm with a bias, which the quantizer and the backends treat as one layer. Gemm adds C after
 * the product with beta = 1, exactly as the Add did, so the rewrite is bit-exact.
 */
public final class FuseMatMulAdd {
  public static final PassInfo INFO =
      new PassInfo(
          "fuse-matmul-add",
          "Fuse MatMul (or bias-less Gemm) and a constant Add into Gemm",
          "Applies when the product's only reader is an Add whose other operand is an fp32 constant of N elements (shape [N] or"
              + " [1,N]) or a scalar, the left operand is a rank-2 value and the right an fp32 constant [K,N] (for Gemm: any"
              + " transposition, no C). The Gemm takes over the Add's output.",
          List.of(),
          List.of("adds-fused"),
          o -> (g, ctx) -> {
            Users users = ctx.get(Users.ANALYSIS);
            int fused = 0;
            for (Node add : new ArrayList<>(g.nodes())) {
              if (is(add, "Add") && (fuse(g, add, 0, users) || fuse(g, add, 1, users))) {
                fused++;
              }
            }
            ctx.stat("adds-fused", fused);
            return PassResult.of(fused > 0);
          });

  private FuseMatMulAdd() {}

  /** Tries Add operand {@code side} as the product and the other as the bias. */
  private static boolean fuse(Graph g, Node add, int side, Users users) {
    Value product = add.inputs().get(side);
    Node mm = product.producer();
    boolean isMatMul = is(mm, "MatMul");
    if (!(isMatMul || is(mm, "Gemm") && mm.input(2).isEmpty()) || !users.onlyUser(product, add)) {
      return false;
    }
    Value a = mm.inputs().get(0);
    Optional<Tensor> w = fp32Constant(g, mm, 1);
    Optional<Tensor> c = fp32Constant(g, add, 1 - side);
    if (w.isEmpty() || c.isEmpty() || w.get().rank() != 2 || !a.type().shape().ranked() || a.type().shape().rank() != 2) {
      return false;
    }
    boolean transB = !isMatMul && ConstantFacts.intAttr(mm, "transB") != 0;
    int n = w.get().dim(transB ? 0 : 1);
    Tensor bias = c.get();
    int[] bs = bias.shape();
    boolean rowVector = bias.size() == n && (bs.length == 1 || bs.length == 2 && bs[0] == 1);
    if (!rowVector && bias.size() != 1) {
      return false;
    }
    double[] values = new double[n];
    for (int j = 0; j < n; j++) {
      values[j] = bias.getDouble(bias.size() == 1 ? 0 : j);
    }
    Value cv = ConstantFacts.addConstant(g, mm.name() + "_bias", Tensor.fromDoubles(FloatFormat.FP32, new int[] {n}, values));
    Map<String, Attribute> attrs = isMatMul ? Map.of() : new java.util.HashMap<>(mm.attributes());
    if (!isMatMul) {
      attrs.put("beta", new Attribute.Float(1f));
      if (floatAttr(mm, "alpha") != 1f) {
        attrs.put("alpha", new Attribute.Float(floatAttr(mm, "alpha")));
      }
    }
    Node gemm = new Node("", "Gemm", mm.name(), List.of(a, mm.inputs().get(1), cv), List.of(add.output(0)), attrs);
    GraphEdits.replaceNode(g, mm, gemm, add);
    return true;
  }
}
