// What a shape rule sees of one node: input types, constant inputs, attributes with defaults.
package org.qcc.ir.ops;

import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.formats.ElementFormat;

/** The view of a node that shape inference needs. */
public final class InferenceContext {
  private final Node node;
  private final Graph graph;
  private final OpDef def;

  public InferenceContext(Node node, Graph graph, OpDef def) {
    this.node = node;
    this.graph = graph;
    this.def = def;
  }

  public Node node() {
    return node;
  }

  public int inputCount() {
    return node.inputs().size();
  }

  public int outputCount() {
    return node.outputs().size();
  }

  /** True when input {@code i} is present (not omitted). */
  public boolean has(int i) {
    return node.input(i).isPresent();
  }

  public TensorType in(int i) {
    return node.input(i).map(Value::type).orElseThrow(() -> new ShapeError("missing input " + i));
  }

  public Shape shape(int i) {
    return in(i).shape();
  }

  public ElementFormat format(int i) {
    return in(i).format();
  }

  /** Data of input {@code i} when it is a graph constant. */
  public Optional<Tensor> constant(int i) {
    return node.input(i).map(graph::constant);
  }

  /** The attribute or its schema default; empty when neither exists. */
  public Optional<Attribute> attr(String key) {
    Optional<Attribute> a = node.attribute(key);
    if (a.isPresent()) {
      return a;
    }
    AttrSpec spec = def.attributes().get(key);
    return Optional.ofNullable(spec == null ? null : spec.defaultValue());
  }

  public long i(String key) {
    Attribute a = attr(key).orElseThrow(() -> new ShapeError("missing attribute " + key));
    if (a instanceof Attribute.Int v) {
      return v.value();
    }
    throw new ShapeError("attribute " + key + " must be an int, got " + a.kind());
  }

  public float f(String key) {
    Attribute a = attr(key).orElseThrow(() -> new ShapeError("missing attribute " + key));
    if (a instanceof Attribute.Float v) {
      return v.value();
    }
    throw new ShapeError("attribute " + key + " must be a float, got " + a.kind());
  }

  public String s(String key) {
    Attribute a = attr(key).orElseThrow(() -> new ShapeError("missing attribute " + key));
    if (a instanceof Attribute.Str v) {
      return v.value();
    }
    throw new ShapeError("attribute " + key + " must be a string, got " + a.kind());
  }

  /** An ints attribute, or null when absent without default. */
  public long[] ints(String key) {
    Optional<Attribute> a = attr(key);
    if (a.isEmpty()) {
      return null;
    }
    if (a.get() instanceof Attribute.Ints v) {
      return v.toArray();
    }
    throw new ShapeError("attribute " + key + " must be ints, got " + a.get().kind());
  }
}
