// fold-constants: evaluate nodes whose inputs are all known at compile time.
package org.qcc.passes.canonical;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassResult;
import org.qcc.simulator.functional.Interpreter;

/**
 * Replaces a node by constants when every input is a constant, or when it is a Shape of a
 * statically shaped value. Evaluation uses the golden interpreter's kernels, so a folded graph
 * computes exactly what the unfolded one did. Random ops never fold.
 */
public final class FoldConstants {
  public static final PassOption.Int MAX_ELEMENTS =
      new PassOption.Int("max-elements", 1 << 22, 0, Integer.MAX_VALUE, "Leave a node unfolded when an output would exceed this many elements");

  private static final Set<String> RANDOM = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli");

  /**
   * Ops that say how a constant is represented (its number format, its sparse storage): folding
   * them would leave the same values but erase what backends and hardware need to know.
   */
  private static final Set<String> REPRESENTATION = Set.of("qcc.FakeQuant", "qcc.Densify");

  public static final PassInfo INFO =
      new PassInfo(
          "fold-constants",
          "Evaluate nodes whose inputs are constants",
          "A node folds when all its present inputs are constants (or it is Shape of a statically shaped value) and it is not a"
              + " random op or one that records a constant's representation (qcc.FakeQuant, qcc.Densify); its outputs become constants computed by the interpreter's kernels and the node is removed."
              + " Constants that become unused stay until dce.",
          List.of(MAX_ELEMENTS),
          List.of("nodes-folded"),
          o -> (g, ctx) -> {
            int folded = run(g, o.get(MAX_ELEMENTS));
            ctx.stat("nodes-folded", folded);
            return PassResult.of(folded > 0);
          });

  private FoldConstants() {}

  private static int run(Graph g, int maxElements) {
    long opset = g.onnxOpset(21);
    int folded = 0;
    for (Node n : new ArrayList<>(g.nodes())) {
      if (!foldable(g, n)) {
        continue;
      }
      List<Tensor> outs = isShapeOfStatic(n) ? List.of(shapeOf(n)) : evaluate(g, n, opset);
      if (outs.stream().anyMatch(t -> t.size() > maxElements)) {
        continue;
      }
      g.removeNode(n);
      for (int i = 0; i < n.outputs().size(); i++) {
        Value v = n.output(i);
        Tensor t = outs.get(i);
        v.setType(t.type());
        g.addConstant(v, t);
      }
      folded++;
    }
    return folded;
  }

  private static boolean foldable(Graph g, Node n) {
    if (RANDOM.contains(n.opType()) || REPRESENTATION.contains(n.qualifiedOp())) {
      return false;
    }
    if (isShapeOfStatic(n)) {
      return true;
    }
    for (Value in : n.inputs()) {
      if (in != null && !g.isConstant(in)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isShapeOfStatic(Node n) {
    return ConstantFacts.is(n, "Shape") && n.inputs().get(0) != null && n.inputs().get(0).type().shape().isStatic();
  }

  private static List<Tensor> evaluate(Graph g, Node n, long opset) {
    List<Tensor> args = new ArrayList<>();
    for (Value in : n.inputs()) {
      args.add(in == null ? null : g.constant(in));
    }
    return Interpreter.evaluate(n, args, opset);
  }

  /** Shape of a statically shaped value, honouring start/end like the Shape kernel. */
  private static Tensor shapeOf(Node n) {
    long[] sizes = n.inputs().get(0).type().shape().sizes().orElseThrow();
    int start = clamp(intAttr(n, "start", 0), sizes.length);
    int end = clamp(intAttr(n, "end", sizes.length), sizes.length);
    long[] dims = java.util.Arrays.copyOfRange(sizes, start, Math.max(start, end));
    return Tensor.ofLongs(new int[] {dims.length}, dims);
  }

  private static int intAttr(Node n, String name, int fallback) {
    return n.attribute(name).map(a -> (int) ((Attribute.Int) a).value()).orElse(fallback);
  }

  private static int clamp(int axis, int rank) {
    int a = axis < 0 ? axis + rank : axis;
    return Math.max(0, Math.min(rank, a));
  }
}
