// The golden interpreter: runs a graph node by node with the reference kernels.
package org.qcc.simulator.functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.qcc.ir.Dim;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.ops.OpDef;
import org.qcc.ir.ops.OpRegistry;

/**
 * Executes a graph. This is qcc's single source of truth for numerics: backends and hardware
 * are compared against it. Kernels are deterministic (fixed summation order) whatever the
 * thread count. Intermediate tensors are released after their last use.
 */
public final class Interpreter {
  private final Graph graph;
  private final List<OpDef> defs = new ArrayList<>();
  private final List<Kernel> kernels = new ArrayList<>();
  private final Map<Value, Integer> lastUse = new IdentityHashMap<>();
  private final long opset;

  public Interpreter(Graph graph) {
    this(graph, Map.of());
  }

  /**
   * An interpreter that runs the given nodes with substitute kernels; how calibration observes
   * the inputs of activation quantizers while passing them through unquantized.
   */
  public Interpreter(Graph graph, Map<Node, Kernel> overrides) {
    this.graph = graph;
    this.opset = graph.onnxOpset(21);
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      OpDef def = definition(n);
      defs.add(def);
      Kernel override = overrides.get(n);
      kernels.add(override != null ? override : exactKernel(n, graph, overrides).or(() -> sparseKernel(n, graph)).orElseGet(() -> kernel(n, def)));
      for (Value in : n.inputs()) {
        if (in != null) {
          lastUse.put(in, i);
        }
      }
    }
    for (Value out : graph.outputs()) {
      lastUse.put(out, Integer.MAX_VALUE);
    }
  }

  public Graph graph() {
    return graph;
  }

  /** Runs with inputs given in the order of the graph's inputs. */
  public List<Tensor> run(List<Tensor> inputs) {
    return run(inputs, null);
  }

  private Map<String, Tensor> named(List<Tensor> inputs) {
    if (inputs.size() != graph.inputs().size()) {
      throw new DiagnosticException(
          "inputs", "model takes " + graph.inputs().size() + " inputs, got " + inputs.size());
    }
    Map<String, Tensor> named = new LinkedHashMap<>();
    for (int i = 0; i < inputs.size(); i++) {
      named.put(graph.inputs().get(i).name(), inputs.get(i));
    }
    return named;
  }

  /**
   * The inputs in graph order, after checking that every graph input is given once, with its
   * declared format and shape (symbolic dims consistent), and that no other name is.
   */
  public List<Tensor> checkedInputs(Map<String, Tensor> inputs) {
    List<Tensor> ordered = new ArrayList<>();
    Map<String, Long> symbols = new HashMap<>();
    for (Value in : graph.inputs()) {
      Tensor t = inputs.get(in.name());
      if (t == null) {
        throw new DiagnosticException("input '" + in.name() + "'", "is missing (expected " + in.type() + ")");
      }
      checkInput(in, t, symbols);
      ordered.add(t);
    }
    for (String name : inputs.keySet()) {
      if (graph.inputs().stream().noneMatch(v -> v.name().equals(name))) {
        throw new DiagnosticException("input '" + name + "'", "the model has no such input");
      }
    }
    return ordered;
  }

  /** Runs with inputs by name; returns outputs by name in the graph's output order. */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    return run(inputs, null);
  }

  /** Runs with inputs in graph order, showing {@code observer} every graph input and node output. */
  public List<Tensor> run(List<Tensor> inputs, BiConsumer<Value, Tensor> observer) {
    return new ArrayList<>(run(named(inputs), observer).values());
  }

  /**
   * Runs with inputs by name, showing {@code observer} (may be null) every graph input and then
   * every node output as it is computed: how passes gather activation statistics without keeping
   * every intermediate alive.
   */
  public Map<String, Tensor> run(Map<String, Tensor> inputs, BiConsumer<Value, Tensor> observer) {
    Map<Value, Tensor> env = new IdentityHashMap<>();
    List<Tensor> checked = checkedInputs(inputs);
    for (int i = 0; i < checked.size(); i++) {
      env.put(graph.inputs().get(i), checked.get(i));
    }
    if (observer != null) {
      graph.inputs().forEach(in -> observer.accept(in, env.get(in)));
    }
    env.putAll(graph.constants());
    List<Node> nodes = graph.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      List<Tensor> args = new ArrayList<>();
      for (Value in : n.inputs()) {
        args.add(in == null ? null : env.get(in));
      }
      List<Tensor> outs = invoke(n, kernels.get(i), new KernelContext(n, defs.get(i), args, opset));
      for (int k = 0; k < n.outputs().size(); k++) {
        env.put(n.output(k), outs.get(k));
        if (observer != null) {
          observer.accept(n.output(k), outs.get(k));
        }
      }
      for (Value in : n.inputs()) {
        if (in != null && lastUse.getOrDefault(in, -1) == i && !graph.isConstant(in)) {
          env.remove(in);
        }
      }
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (Value out : graph.outputs()) {
      result.put(out.name(), env.get(out));
    }
    return result;
  }

  /**
   * Evaluates one node on concrete inputs with the same kernels as {@link #run}; what constant
   * folding uses, so folded values are exactly what execution would have computed.
   */
  public static List<Tensor> evaluate(Node n, List<Tensor> inputs, long opset) {
    OpDef def = definition(n);
    return invoke(n, kernel(n, def), new KernelContext(n, def, inputs, opset));
  }

  private static OpDef definition(Node n) {
    return OpRegistry.standard().lookup(n.domain(), n.opType()).orElseThrow(() -> new DiagnosticException(where(n), "unsupported op " + n.qualifiedOp()));
  }

  private static Kernel kernel(Node n, OpDef def) {
    return Kernels.lookup(def.key()).orElseThrow(() -> new DiagnosticException(where(n), "the interpreter has no kernel for " + def.key()));
  }

  private static Optional<Kernel> exactKernel(Node n, Graph g, Map<Node, Kernel> overrides) {
    try {
      return ExactKernels.of(n, g, overrides);
    } catch (IllegalArgumentException e) {
      throw new DiagnosticException(where(n), e.getMessage(), e);
    }
  }

  /** Bad indices are reported at the qcc.Densify that holds them, as its own kernel would. */
  private static Optional<Kernel> sparseKernel(Node n, Graph g) {
    try {
      return SparseKernels.layer(n, g);
    } catch (IllegalArgumentException e) {
      throw new DiagnosticException(where(n.inputs().get(1).producer()), e.getMessage(), e);
    }
  }

  private static String where(Node n) {
    return "node '" + n.name() + "' (" + n.qualifiedOp() + ")";
  }

  /** Runs a kernel; a kernel's complaint about its inputs becomes a diagnostic naming the node. */
  private static List<Tensor> invoke(Node n, Kernel k, KernelContext ctx) {
    try {
      return k.run(ctx);
    } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException | ClassCastException e) {
      throw new DiagnosticException(where(n), e.getMessage(), e);
    }
  }

  private static void checkInput(Value in, Tensor t, Map<String, Long> symbols) {
    String where = "input '" + in.name() + "'";
    if (!t.format().equals(in.type().format())) {
      throw new DiagnosticException(where, "expected " + in.type() + ", got " + t.type());
    }
    Shape s = in.type().shape();
    if (!s.ranked()) {
      return;
    }
    if (s.rank() != t.rank()) {
      throw new DiagnosticException(where, "expected " + in.type() + ", got " + t.type() + " (rank differs)");
    }
    for (int d = 0; d < t.rank(); d++) {
      Dim dim = s.dim(d);
      if (dim instanceof Dim.Fixed f && f.size() != t.dim(d)) {
        throw new DiagnosticException(where, "expected " + in.type() + ", got shape " + Arrays.toString(t.shape()));
      }
      if (dim instanceof Dim.Symbolic sym && !sym.name().equals("?")) {
        Long prior = symbols.putIfAbsent(sym.name(), (long) t.dim(d));
        if (prior != null && prior != t.dim(d)) {
          throw new DiagnosticException(where, "dimension " + sym.name() + " is " + t.dim(d) + " here but " + prior + " in another input");
        }
      }
    }
  }
}
