// An operation in the graph.
package org.qcc.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One application of an op. Inputs may contain null for an omitted optional input (ONNX's
 * empty name). Attributes are kept sorted by name so printing is deterministic.
 */
public final class Node {
  private final String domain;
  private final String opType;
  private final String name;
  private final List<Value> inputs;
  private final List<Value> outputs;
  private final TreeMap<String, Attribute> attributes;

  public Node(
      String domain,
      String opType,
      String name,
      List<Value> inputs,
      List<Value> outputs,
      Map<String, Attribute> attributes) {
    this.domain = domain == null ? "" : domain;
    this.opType = opType;
    this.name = name;
    this.inputs = new ArrayList<>(inputs);
    this.outputs = List.copyOf(outputs);
    this.attributes = new TreeMap<>(attributes);
    for (Value v : this.outputs) {
      v.setProducer(this);
    }
  }

  /** The op domain; empty for the default ONNX domain. */
  public String domain() {
    return domain;
  }

  public String opType() {
    return opType;
  }

  /** Domain-qualified op name as printed, e.g. {@code Conv} or {@code qonnx.Quant}. */
  public String qualifiedOp() {
    return domain.isEmpty() ? opType : domain + "." + opType;
  }

  public String name() {
    return name;
  }

  /** Inputs in order; an entry is null when an optional input is omitted. */
  public List<Value> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  /** Input {@code i}, or empty when absent or omitted. */
  public Optional<Value> input(int i) {
    return i < inputs.size() ? Optional.ofNullable(inputs.get(i)) : Optional.empty();
  }

  /** Appends an input (an optional input given where the op had none). */
  public void addInput(Value v) {
    inputs.add(v);
  }

  public void setInput(int i, Value v) {
    inputs.set(i, v);
  }

  public List<Value> outputs() {
    return outputs;
  }

  public Value output(int i) {
    return outputs.get(i);
  }

  public Map<String, Attribute> attributes() {
    return Collections.unmodifiableMap(attributes);
  }

  public Optional<Attribute> attribute(String key) {
    return Optional.ofNullable(attributes.get(key));
  }

  public void setAttribute(String key, Attribute value) {
    attributes.put(key, value);
  }

  public void removeAttribute(String key) {
    attributes.remove(key);
  }

  @Override
  public String toString() {
    return qualifiedOp() + " '" + name + "'";
  }
}
