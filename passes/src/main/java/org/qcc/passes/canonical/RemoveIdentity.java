// remove-identity: bypass nodes that pass their input through unchanged at inference.
package org.qcc.passes.canonical;

import java.util.List;
import org.qcc.ir.Node;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;
import org.qcc.passes.analysis.Users;

/**
 * Identity, inference-mode Dropout (its mask unused) and Cast to the input's own format
 * forward their input. A node whose output is a graph output stays, since the output's name is
 * part of the model's interface; {@code dce} removes the bypassed nodes.
 */
public final class RemoveIdentity {
  public static final PassInfo INFO =
      new PassInfo(
          "remove-identity",
          "Bypass Identity, inference Dropout and no-op Cast",
          "Readers of the node's output read its input instead. Dropout qualifies when its mask output is absent or unread;"
              + " Cast when 'to' is the input's format. Nodes that define graph outputs are kept.",
          List.of(),
          List.of("nodes-bypassed"),
          o ->
              (g, ctx) -> {
                Users users = ctx.get(Users.ANALYSIS);
                int bypassed = 0;
                for (Node n : g.nodes()) {
                  if (isIdentity(n, users) && !users.isGraphOutput(n.output(0))) {
                    GraphEdits.replaceUses(g, n.output(0), n.inputs().get(0));
                    bypassed++;
                  }
                }
                ctx.stat("nodes-bypassed", bypassed);
                return PassResult.of(bypassed > 0);
              });

  private RemoveIdentity() {}

  private static boolean isIdentity(Node n, Users users) {
    if (!n.domain().isEmpty() || n.inputs().isEmpty() || n.inputs().get(0) == null) {
      return false;
    }
    return switch (n.opType()) {
      case "Identity" -> true;
      case "Dropout" -> dropoutIsIdentity(n, users);
      case "Cast" -> castIsIdentity(n);
      default -> false;
    };
  }

  /** Inference Dropout: training_mode absent; the mask output absent or unread. */
  private static boolean dropoutIsIdentity(Node n, Users users) {
    if (n.input(2).isPresent()) {
      return false;
    }
    return n.outputs().size() == 1 || !users.isUsed(n.output(1));
  }

  /** The output's format is the one 'to' names, so comparing types decides. */
  private static boolean castIsIdentity(Node n) {
    return n.output(0).type().format().equals(n.inputs().get(0).type().format());
  }
}
