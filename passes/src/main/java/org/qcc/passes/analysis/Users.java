// Def-use chains: which nodes read each value, and which values are graph outputs.
package org.qcc.passes.analysis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.passes.Analysis;
import org.qcc.passes.AnalysisManager;

/** The readers of every value (a node that reads a value twice is listed twice). */
public final class Users {
  public static final Analysis<Users> ANALYSIS =
      new Analysis<>() {
        @Override
        public String name() {
          return "users";
        }

        @Override
        public Users compute(Graph g, AnalysisManager analyses) {
          return new Users(g);
        }
      };

  private final Map<Value, List<Node>> users = new IdentityHashMap<>();
  private final Set<Value> outputs = Collections.newSetFromMap(new IdentityHashMap<>());

  private Users(Graph g) {
    for (Node n : g.nodes()) {
      for (Value in : n.inputs()) {
        if (in != null) {
          users.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
        }
      }
    }
    outputs.addAll(g.outputs());
  }

  public List<Node> of(Value v) {
    return Collections.unmodifiableList(users.getOrDefault(v, List.of()));
  }

  /** True when {@code v} is read only by {@code n} (once) and is not a graph output. */
  public boolean onlyUser(Value v, Node n) {
    List<Node> u = users.getOrDefault(v, List.of());
    return u.size() == 1 && u.get(0) == n && !outputs.contains(v);
  }

  public boolean isGraphOutput(Value v) {
    return outputs.contains(v);
  }

  public boolean isUsed(Value v) {
    return users.containsKey(v) || outputs.contains(v);
  }
}
