// from-qonnx: restore the qcc.FakeQuant nodes that to-qonnx wrote as QONNX ops.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;

/**
 * A QONNX op carrying {@code qcc.*} annotations came from a FakeQuant: it becomes that FakeQuant
 * again, reading the original scale (the Reshape to_qonnx added goes, and so do the constants
 * only it used). QONNX ops without them were written elsewhere and keep QONNX's own semantics.
 */
public final class FromQonnx {
  public static final PassInfo INFO =
      new PassInfo(
          "from-qonnx",
          "Turn QONNX ops written by to-qonnx back into qcc.FakeQuant",
          "Restores the FakeQuant recorded in the qcc.* annotations of each QONNX op, so a graph exported with to-qonnx"
              + " imports back identical. QONNX ops from other tools stay as they are and compute what QONNX's reference"
              + " computes.",
          List.of(),
          List.of("quantizers-restored", "qonnx-ops-kept"),
          o -> (g, ctx) -> {
            int restored = 0;
            int kept = 0;
            for (Node n : List.copyOf(g.nodes())) {
              if (!n.domain().equals(ToQonnx.DOMAIN)) {
                continue;
              }
              if (n.attribute(FakeQuants.PROVENANCE + "format").isPresent()) {
                restore(g, n);
                restored++;
              } else {
                kept++;
              }
            }
            if (kept == 0 && restored > 0) {
              g.removeOpset(ToQonnx.DOMAIN);
            }
            ctx.stat("quantizers-restored", restored);
            ctx.stat("qonnx-ops-kept", kept);
            return PassResult.of(restored > 0);
          });

  private FromQonnx() {}

  private static void restore(Graph g, Node n) {
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    n.attributes().forEach((k, v) -> {
      if (k.startsWith(FakeQuants.PROVENANCE)) {
        attrs.put(k.substring(FakeQuants.PROVENANCE.length()), v);
      }
    });
    Node reshape = n.inputs().get(1).producer();
    boolean broadcast = reshape != null && reshape.opType().equals("Reshape") && reshape.name().equals(n.name() + ToQonnx.SCALE_RESHAPE);
    Value scale = broadcast ? reshape.inputs().get(0) : n.inputs().get(1);
    List<Value> inputs = List.of(n.inputs().get(0), scale);
    List<Value> dropped = new ArrayList<>(n.inputs().subList(1, n.inputs().size()));
    GraphEdits.replaceNode(g, n, new Node("qcc", "FakeQuant", n.name(), inputs, n.outputs(), attrs), broadcast ? reshape : null);
    if (broadcast) {
      dropped.addAll(reshape.inputs());
    }
    dropped.forEach(v -> GraphEdits.removeIfUnused(g, v));
  }
}
