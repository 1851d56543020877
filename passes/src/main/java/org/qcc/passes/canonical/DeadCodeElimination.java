// dce: remove nodes and constants that no graph output depends on.
package org.qcc.passes.canonical;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;

/** Marks what the outputs need, walking the nodes backwards, and drops the rest. Inputs stay. */
public final class DeadCodeElimination {
  public static final PassInfo INFO =
      new PassInfo(
          "dce",
          "Remove nodes and constants no output depends on",
          "A node is live when one of its outputs is a graph output or is read by a live node; a constant is live when a live node"
              + " reads it or it is a graph output. Graph inputs are the model's interface and are kept even when unused.",
          List.of(),
          List.of("nodes-removed", "constants-removed"),
          o ->
              (g, ctx) -> {
                Set<Value> live = Collections.newSetFromMap(new IdentityHashMap<>());
                live.addAll(g.outputs());
                Set<Node> liveNodes = Collections.newSetFromMap(new IdentityHashMap<>());
                List<Node> nodes = g.nodes();
                for (int i = nodes.size() - 1; i >= 0; i--) {
                  Node n = nodes.get(i);
                  if (n.outputs().stream().anyMatch(live::contains)) {
                    liveNodes.add(n);
                    n.inputs().forEach(v -> {
                      if (v != null) {
                        live.add(v);
                      }
                    });
                  }
                }
                int nodesRemoved = nodes.size() - liveNodes.size();
                g.retainNodes(liveNodes::contains);
                List<Value> deadConstants = new ArrayList<>();
                for (Value c : g.constants().keySet()) {
                  if (!live.contains(c)) {
                    deadConstants.add(c);
                  }
                }
                deadConstants.forEach(g::removeConstant);
                ctx.stat("nodes-removed", nodesRemoved);
                ctx.stat("constants-removed", deadConstants.size());
                return PassResult.of(nodesRemoved + deadConstants.size() > 0);
              });

  private DeadCodeElimination() {}
}
