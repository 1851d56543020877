// A model graph: inputs, constants, nodes in topological order, outputs.
package org.qcc.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The unit of compilation. Nodes are kept in a topological order that the verifier checks;
 * constants (ONNX initializers) are values with attached data.
 */
public final class Graph {
  private String name;
  private final List<Value> inputs = new ArrayList<>();
  private final List<Value> outputs = new ArrayList<>();
  private final LinkedHashMap<Value, Tensor> constants = new LinkedHashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private final TreeMap<String, Long> opsets = new TreeMap<>();

  public Graph(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<Value> inputs() {
    return Collections.unmodifiableList(inputs);
  }

  public List<Value> outputs() {
    return Collections.unmodifiableList(outputs);
  }

  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  /** Constant values and their data, in declaration order. */
  public Map<Value, Tensor> constants() {
    return Collections.unmodifiableMap(constants);
  }

  /** Opset version per domain ("" is the ONNX default domain). */
  public Map<String, Long> opsets() {
    return Collections.unmodifiableMap(opsets);
  }

  public void setOpset(String domain, long version) {
    opsets.put(domain, version);
  }

  public void removeOpset(String domain) {
    opsets.remove(domain);
  }

  /** The default-domain opset version, or {@code fallback} when the graph declares none. */
  public long onnxOpset(long fallback) {
    return opsets.getOrDefault("", fallback);
  }

  public Value addInput(Value v) {
    inputs.add(v);
    return v;
  }

  public void addOutput(Value v) {
    outputs.add(v);
  }

  public void setOutput(int i, Value v) {
    outputs.set(i, v);
  }

  /** Makes {@code v} a constant; a node output becoming one must lose its node (constant folding). */
  public Value addConstant(Value v, Tensor data) {
    constants.put(v, data);
    v.setProducer(null);
    return v;
  }

  public void removeConstant(Value v) {
    constants.remove(v);
  }

  public Node addNode(Node n) {
    nodes.add(n);
    return n;
  }

  /** Inserts {@code n} at position {@code index} of the topological order. */
  public Node insertNode(int index, Node n) {
    nodes.add(index, n);
    return n;
  }

  /** Position of {@code n} in the topological order, or -1. */
  public int indexOf(Node n) {
    return nodes.indexOf(n);
  }

  public void removeNode(Node n) {
    nodes.remove(n);
  }

  /** Keeps only the nodes {@code keep} accepts, in order. */
  public void retainNodes(java.util.function.Predicate<Node> keep) {
    nodes.removeIf(keep.negate());
  }

  /** True when {@code v} is a constant of this graph. */
  public boolean isConstant(Value v) {
    return constants.containsKey(v);
  }

  /** Constant data of {@code v}, or null. */
  public Tensor constant(Value v) {
    return constants.get(v);
  }

  /** Number of parameters (elements of all constants). */
  public long parameterCount() {
    long n = 0;
    for (Tensor t : constants.values()) {
      n += t.size();
    }
    return n;
  }
}
