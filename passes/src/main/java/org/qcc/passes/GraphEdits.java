// Small graph surgery shared by passes: rewiring uses, fresh names.
package org.qcc.passes;

import java.util.HashSet;
import java.util.Set;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;

/** Rewiring helpers; callers report the change and invalidate analyses through PassResult. */
public final class GraphEdits {
  private GraphEdits() {}

  /** Makes every reader of {@code from} read {@code to} instead (graph outputs excluded). */
  public static int replaceUses(Graph g, Value from, Value to) {
    int n = 0;
    for (Node node : g.nodes()) {
      for (int i = 0; i < node.inputs().size(); i++) {
        if (node.inputs().get(i) == from) {
          node.setInput(i, to);
          n++;
        }
      }
    }
    return n;
  }

  /** Puts {@code replacement} where {@code old} stood and removes {@code old} and {@code absorbed} (if not null). */
  public static void replaceNode(Graph g, Node old, Node replacement, Node absorbed) {
    g.insertNode(g.indexOf(old), replacement);
    g.removeNode(old);
    if (absorbed != null) {
      g.removeNode(absorbed);
    }
  }

  /**
   * Gives {@code n} the new constant {@code data} as input {@code i}. The old constant goes when
   * nothing else reads it, and the new one then takes over its name.
   */
  public static Value replaceConstantInput(Graph g, Node n, int i, Tensor data) {
    Value old = n.inputs().get(i);
    n.setInput(i, null);
    removeIfUnused(g, old);
    Value fresh = ConstantFacts.addConstant(g, old.name(), data);
    n.setInput(i, fresh);
    return fresh;
  }

  /** Removes the constant {@code v} when no node reads it and it is not a graph output. */
  public static void removeIfUnused(Graph g, Value v) {
    if (g.isConstant(v) && !g.outputs().contains(v) && g.nodes().stream().noneMatch(m -> m.inputs().contains(v))) {
      g.removeConstant(v);
    }
  }

  /** A value name not used in {@code g}, built from {@code base}. */
  public static String freshName(Graph g, String base) {
    Set<String> taken = new HashSet<>();
    g.inputs().forEach(v -> taken.add(v.name()));
    g.constants().keySet().forEach(v -> taken.add(v.name()));
    g.nodes().forEach(n -> n.outputs().forEach(v -> taken.add(v.name())));
    if (!taken.contains(base)) {
      return base;
    }
    for (int i = 1; ; i++) {
      if (!taken.contains(base + "_" + i)) {
        return base + "_" + i;
      }
    }
  }
}
