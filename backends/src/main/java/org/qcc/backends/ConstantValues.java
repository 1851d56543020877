// The values of a graph that need no input, computed once by the golden interpreter's kernels.
package org.qcc.backends;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.simulator.functional.Interpreter;

/** Constant subgraphs (quantized weights, densified sparse weights) evaluated at compile time. */
public final class ConstantValues {
  private ConstantValues() {}

  /** Every value computable without inputs, by the interpreter's own kernels; failures name the node. */
  public static Map<Value, Tensor> evaluate(Graph g) {
    Map<Value, Tensor> known = new HashMap<>(g.constants());
    long opset = g.onnxOpset(21);
    for (Node n : g.nodes()) {
      boolean ready = n.inputs().stream().allMatch(v -> v == null || known.containsKey(v));
      if (!ready) {
        continue;
      }
      List<Tensor> args = new ArrayList<>();
      for (Value v : n.inputs()) {
        args.add(v == null ? null : known.get(v));
      }
      List<Tensor> outs;
      try {
        outs = Interpreter.evaluate(n, args, opset);
      } catch (RuntimeException e) {
        throw BackendException.at(n, "evaluating it at compile time failed: " + e.getMessage());
      }
      for (int i = 0; i < n.outputs().size(); i++) {
        known.put(n.output(i), outs.get(i));
      }
    }
    return known;
  }
}
