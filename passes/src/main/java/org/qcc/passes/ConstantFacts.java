// Reading op attributes and constant operands the way rewrite patterns need them.
package org.qcc.passes;

import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.OpDef;
import org.qcc.ir.ops.OpRegistry;

/** Attribute values with the op's declared defaults, and fp32 constant operands. */
public final class ConstantFacts {
  private ConstantFacts() {}

  /** True for an op of the default (ONNX) domain named {@code opType}. */
  public static boolean is(Node n, String opType) {
    return n != null && n.domain().isEmpty() && n.opType().equals(opType);
  }

  /** Input {@code i} of {@code n} when it is an fp32 constant. */
  public static Optional<Tensor> fp32Constant(Graph g, Node n, int i) {
    return n.input(i).filter(g::isConstant).map(g::constant).filter(t -> t.format().equals(FloatFormat.FP32));
  }

  /** The attribute's value, or the op definition's default. */
  public static Attribute attr(Node n, String name) {
    return n.attribute(name)
        .or(() -> OpRegistry.standard().lookup(n.domain(), n.opType()).map(OpDef::attributes).map(a -> a.get(name)).map(s -> s.defaultValue()))
        .orElseThrow(() -> new IllegalStateException(n + " has no attribute " + name + " and no default"));
  }

  public static long intAttr(Node n, String name) {
    return ((Attribute.Int) attr(n, name)).value();
  }

  public static float floatAttr(Node n, String name) {
    return ((Attribute.Float) attr(n, name)).value();
  }

  /** Adds {@code data} as a new constant named after {@code base}. */
  public static Value addConstant(Graph g, String base, Tensor data) {
    return g.addConstant(new Value(GraphEdits.freshName(g, base), data.type()), data);
  }
}
