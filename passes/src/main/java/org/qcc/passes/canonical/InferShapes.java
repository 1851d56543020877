// infer-shapes: refine every value's type with its op's shape rule.
package org.qcc.passes.canonical;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.Verifier;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;

/** Runs the op registry's shape and type rules over the graph in order. */
public final class InferShapes {
  public static final PassInfo INFO =
      new PassInfo(
          "infer-shapes",
          "Refine value types with each op's shape rule",
          "Visits nodes in order and replaces each output's type with the more precise of its declared type and the op's inferred one"
              + " (static dims win over symbolic ones). Fails, naming the node, when the two conflict.",
          List.of(),
          List.of("types-refined"),
          o ->
              (g, ctx) -> {
                List<TensorType> before = types(g);
                Verifier.standard().inferTypes(g);
                List<TensorType> after = types(g);
                int refined = 0;
                for (int i = 0; i < before.size(); i++) {
                  refined += before.get(i).equals(after.get(i)) ? 0 : 1;
                }
                ctx.stat("types-refined", refined);
                return PassResult.of(refined > 0, Users.ANALYSIS);
              });

  private InferShapes() {}

  private static List<TensorType> types(Graph g) {
    List<TensorType> t = new ArrayList<>();
    for (Node n : g.nodes()) {
      for (Value v : n.outputs()) {
        t.add(v.type());
      }
    }
    return t;
  }
}
