// What a kernel sees: input tensors, attributes with schema defaults, the model's opset.
package org.qcc.simulator.functional;

import java.util.List;
import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.ops.AttrSpec;
import org.qcc.ir.ops.OpDef;

/** Inputs and attributes of one node execution. */
public final class KernelContext {
  private final Node node;
  private final OpDef def;
  private final List<Tensor> inputs;
  private final long opset;

  KernelContext(Node node, OpDef def, List<Tensor> inputs, long opset) {
    this.node = node;
    this.def = def;
    this.inputs = inputs;
    this.opset = opset;
  }

  /** The default-domain opset of the model, for ops whose semantics changed between versions. */
  public long opset() {
    return opset;
  }

  public int inputCount() {
    return inputs.size();
  }

  public int outputCount() {
    return node.outputs().size();
  }

  public boolean has(int i) {
    return i < inputs.size() && inputs.get(i) != null;
  }

  public Tensor in(int i) {
    if (!has(i)) {
      throw new IllegalArgumentException("missing input " + i);
    }
    return inputs.get(i);
  }

  public Optional<Attribute> attr(String key) {
    Optional<Attribute> a = node.attribute(key);
    if (a.isPresent()) {
      return a;
    }
    AttrSpec spec = def.attributes().get(key);
    return Optional.ofNullable(spec == null ? null : spec.defaultValue());
  }

  /** True when the node itself sets the attribute (ignoring schema defaults). */
  public boolean hasAttrOnNode(String key) {
    return node.attribute(key).isPresent();
  }

  public boolean hasAttr(String key) {
    return attr(key).isPresent();
  }

  public long i(String key) {
    return ((Attribute.Int) attr(key).orElseThrow(() -> missing(key))).value();
  }

  public float f(String key) {
    return ((Attribute.Float) attr(key).orElseThrow(() -> missing(key))).value();
  }

  public String s(String key) {
    return ((Attribute.Str) attr(key).orElseThrow(() -> missing(key))).value();
  }

  /** Ints attribute or null. */
  public long[] ints(String key) {
    return attr(key).map(a -> ((Attribute.Ints) a).toArray()).orElse(null);
  }

  /** Values of a 1-d integer input, or null when absent. */
  public long[] intsInput(int i) {
    if (!has(i)) {
      return null;
    }
    Tensor t = in(i);
    long[] v = new long[t.size()];
    for (int k = 0; k < v.length; k++) {
      v[k] = t.getLong(k);
    }
    return v;
  }

  private IllegalArgumentException missing(String key) {
    return new IllegalArgumentException("missing attribute " + key);
  }
}
