// An SSA value: a graph input, a constant, or a node output.
package org.qcc.ir;

import java.util.Objects;

/**
 * A named tensor value. Each value is defined once: by the graph (input or constant) or by
 * exactly one node. Its type is refined by shape inference, so it is mutable.
 */
public final class Value {
  private final String name;
  private TensorType type;
  private Node producer;

  public Value(String name, TensorType type) {
    this.name = Objects.requireNonNull(name);
    this.type = Objects.requireNonNull(type);
  }

  public String name() {
    return name;
  }

  public TensorType type() {
    return type;
  }

  public void setType(TensorType type) {
    this.type = Objects.requireNonNull(type);
  }

  /** The node that defines this value, or null for graph inputs and constants. */
  public Node producer() {
    return producer;
  }

  void setProducer(Node n) {
    this.producer = n;
  }

  @Override
  public String toString() {
    return "%" + name + ": " + type;
  }
}
