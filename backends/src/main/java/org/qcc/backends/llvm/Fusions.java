// Nodes that run in the epilogue of the layer before them: a bias Add after an fp32 MatMul, a ReLU after Conv/Gemm/MatMul.
package org.qcc.backends.llvm;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.FloatFormat;

/**
 * Each fused node saves a pass over its tensor. A fused node's output shares the slot of the value
 * it reads ({@link #absorbed}); the layer that computes that value applies it to each result
 * before storing it, in the same arithmetic as the node would: ReLU by {@link Ir#relu} (so also
 * after a fused bias), the bias as one fp32 addition of the rounded product, which is what the
 * Add computes. Only values that nothing else reads and that are not graph outputs are fused.
 */
record Fusions(Map<Node, Value> absorbed, Set<Node> relu, Map<Node, float[]> bias) {
  private static final Set<String> FUSES_RELU = Set.of("Conv", "Gemm", "MatMul");

  static Fusions of(Graph g, Map<Value, Tensor> constants) {
    Map<Value, Integer> uses = new HashMap<>();
    for (Node n : g.nodes()) {
      for (Value v : n.inputs()) {
        uses.merge(v, 1, Integer::sum);
      }
    }
    Map<Node, Value> absorbed = new HashMap<>();
    Set<Node> relu = new HashSet<>();
    Map<Node, float[]> bias = new HashMap<>();
    for (Node n : g.nodes()) {
      if (n.qualifiedOp().equals("Add") && n.inputs().size() == 2) {
        for (int side = 0; side < 2; side++) {
          Value x = n.inputs().get(side);
          Node p = x.producer();
          if (p == null || !p.qualifiedOp().equals("MatMul") || !constants.containsKey(p.inputs().get(1)) || !readOnceInside(g, constants, uses, x)) {
            continue;
          }
          int[] w = constants.get(p.inputs().get(1)).shape();
          Optional<float[]> b = rowVector(constants.get(n.inputs().get(1 - side)), x, w[w.length - 1]);
          if (b.isPresent() && ModelLowering.exactLayer(p, g).isEmpty()) {
            bias.put(p, b.get());
            absorbed.put(n, x);
            break;
          }
        }
      } else if (n.qualifiedOp().equals("Relu")) {
        Value x = n.inputs().get(0);
        Node p = x.producer();
        Node layer = p != null && absorbed.containsKey(p) ? absorbed.get(p).producer() : p;
        boolean constantWeights = layer != null && (!layer.qualifiedOp().equals("MatMul") || constants.containsKey(layer.inputs().get(1)));
        if (layer != null && FUSES_RELU.contains(layer.qualifiedOp()) && constantWeights && readOnceInside(g, constants, uses, x)) {
          relu.add(layer);
          absorbed.put(n, x);
        }
      }
    }
    return new Fusions(absorbed, relu, bias);
  }

  /** Read once, not an output, computed at run time by a single-output node. */
  private static boolean readOnceInside(Graph g, Map<Value, Tensor> constants, Map<Value, Integer> uses, Value x) {
    return x.producer() != null && x.producer().outputs().size() == 1 && uses.get(x) == 1 && !g.outputs().contains(x) && !constants.containsKey(x);
  }

  /** An fp32 constant that varies at most along the last axis of {@code x} and does not add dimensions: its {@code n} values along that axis. */
  private static Optional<float[]> rowVector(Tensor t, Value x, int n) {
    if (t == null || !t.format().equals(FloatFormat.FP32) || !x.type().shape().ranked()) {
      return Optional.empty();
    }
    int[] s = t.shape();
    if (s.length > x.type().shape().rank() || t.size() != 1 && t.size() != n) {
      return Optional.empty();
    }
    for (int d = 0; d < s.length - 1; d++) {
      if (s[d] != 1) {
        return Optional.empty();
      }
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) t.getDouble(t.size() == 1 ? 0 : i);
    }
    return Optional.of(v);
  }
}
