// Structural and type checks of a graph, with messages that name the node and value.
package org.qcc.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qcc.ir.ops.AttrSpec;
import org.qcc.ir.ops.InferenceContext;
import org.qcc.ir.ops.OpDef;
import org.qcc.ir.ops.OpRegistry;
import org.qcc.ir.ops.ShapeError;

/**
 * Checks that a graph is well formed: unique names, every use after its definition (so no
 * cycles), known ops with the right arity and attributes, and types that agree with each op's
 * shape rule. {@link #inferTypes} refines value types with the same rules.
 */
public final class Verifier {
  /**
   * Attributes named {@code qcc.*} are annotations that passes attach to any node (e.g. the
   * accumulator of a layer); they do not change what the op computes, so no op schema lists them.
   */
  public static final String ANNOTATION_PREFIX = "qcc.";

  private final OpRegistry registry;

  public Verifier(OpRegistry registry) {
    this.registry = registry;
  }

  public static Verifier standard() {
    return new Verifier(OpRegistry.standard());
  }

  /** All problems found; empty when the graph is valid. */
  public List<Diagnostic> verify(Graph g) {
    List<Diagnostic> problems = new ArrayList<>();
    Set<Value> defined = new HashSet<>();
    Map<String, Value> names = new HashMap<>();
    Set<Value> producedLater = new HashSet<>();
    for (Node n : g.nodes()) {
      producedLater.addAll(n.outputs());
    }
    for (Value v : g.inputs()) {
      define(v, "graph input", defined, names, problems);
    }
    for (Value v : g.constants().keySet()) {
      define(v, "constant", defined, names, problems);
      Tensor t = g.constant(v);
      if (!t.type().equals(v.type())) {
        problems.add(
            new Diagnostic(
                "constant %" + v.name(), "declared " + v.type() + " but data is " + t.type()));
      }
    }
    Set<String> nodeNames = new HashSet<>();
    for (Node n : g.nodes()) {
      String where = "node '" + n.name() + "' (" + n.qualifiedOp() + ")";
      if (!nodeNames.add(n.name())) {
        problems.add(new Diagnostic(where, "duplicate node name"));
      }
      for (Value in : n.inputs()) {
        if (in != null && !defined.contains(in)) {
          problems.add(
              new Diagnostic(
                  where,
                  producedLater.contains(in)
                      ? "input %" + in.name() + " is used before it is defined (cycle or bad order)"
                      : "input %" + in.name() + " is not defined (dangling value)"));
        }
      }
      checkSchema(n, where, problems);
      for (Value out : n.outputs()) {
        producedLater.remove(out);
        define(out, where + " output", defined, names, problems);
      }
    }
    for (Value out : g.outputs()) {
      if (!defined.contains(out)) {
        problems.add(new Diagnostic("graph output %" + out.name(), "is not defined"));
      }
    }
    if (problems.isEmpty()) {
      checkTypes(g, problems);
    }
    return problems;
  }

  /** Throws the first problem, if any. */
  public void verifyOrThrow(Graph g) {
    List<Diagnostic> problems = verify(g);
    if (!problems.isEmpty()) {
      throw new DiagnosticException(problems.get(0));
    }
  }

  private static void define(
      Value v, String what, Set<Value> defined, Map<String, Value> names, List<Diagnostic> out) {
    Value prior = names.putIfAbsent(v.name(), v);
    if (prior != null) {
      out.add(new Diagnostic(what + " %" + v.name(), "duplicate value name"));
    }
    defined.add(v);
  }

  /** Schema problems of one node: unknown op, arity, attribute names, kinds and presence. */
  public List<Diagnostic> checkSchema(Node n) {
    List<Diagnostic> problems = new ArrayList<>();
    checkSchema(n, "node '" + n.name() + "' (" + n.qualifiedOp() + ")", problems);
    return problems;
  }

  private void checkSchema(Node n, String where, List<Diagnostic> problems) {
    var def = registry.lookup(n.domain(), n.opType());
    if (def.isEmpty()) {
      problems.add(new Diagnostic(where, "unsupported op " + n.qualifiedOp()));
      return;
    }
    OpDef d = def.get();
    int ins = n.inputs().size();
    if (ins < d.minInputs() || ins > d.maxInputs()) {
      problems.add(new Diagnostic(where, "expects " + arity(d.minInputs(), d.maxInputs()) + " inputs, got " + ins));
    }
    for (int i = 0; i < Math.min(ins, d.minInputs()); i++) {
      if (n.inputs().get(i) == null) {
        problems.add(new Diagnostic(where, "required input " + i + " is missing"));
      }
    }
    int outs = n.outputs().size();
    if (outs < d.minOutputs() || outs > d.maxOutputs()) {
      problems.add(
          new Diagnostic(where, "expects " + arity(d.minOutputs(), d.maxOutputs()) + " outputs, got " + outs));
    }
    for (var e : n.attributes().entrySet()) {
      AttrSpec spec = d.attributes().get(e.getKey());
      if (spec == null && e.getKey().startsWith(ANNOTATION_PREFIX)) {
        continue;
      }
      if (spec == null) {
        problems.add(new Diagnostic(where, "unknown attribute '" + e.getKey() + "'"));
      } else if (!spec.kind().equals(e.getValue().kind())) {
        problems.add(
            new Diagnostic(
                where,
                "attribute '" + e.getKey() + "' must be " + spec.kind() + ", got " + e.getValue().kind()));
      }
    }
    for (AttrSpec spec : d.attributes().values()) {
      if (spec.required() && n.attribute(spec.name()).isEmpty()) {
        problems.add(new Diagnostic(where, "missing required attribute '" + spec.name() + "'"));
      }
    }
  }

  private static String arity(int min, int max) {
    if (min == max) {
      return Integer.toString(min);
    }
    return max == Integer.MAX_VALUE ? min + " or more" : min + " to " + max;
  }

  private void checkTypes(Graph g, List<Diagnostic> problems) {
    for (Node n : g.nodes()) {
      try {
        List<TensorType> inferred = infer(n, g);
        for (int i = 0; i < n.outputs().size(); i++) {
          Value out = n.output(i);
          if (merge(out.type(), inferred.get(i)) == null) {
            problems.add(
                new Diagnostic(
                    "node '" + n.name() + "' (" + n.qualifiedOp() + ")",
                    "output %" + out.name() + " is declared " + out.type() + " but the op gives " + inferred.get(i)));
          }
        }
      } catch (ShapeError | IllegalArgumentException | ArithmeticException e) {
        problems.add(new Diagnostic("node '" + n.name() + "' (" + n.qualifiedOp() + ")", e.getMessage()));
        return;
      }
    }
  }

  /** Output types of {@code n} by its op's rule; throws ShapeError when the inputs do not fit. */
  public List<TensorType> infer(Node n, Graph g) {
    OpDef d = registry.lookup(n.domain(), n.opType()).orElseThrow();
    List<TensorType> types = d.inference().infer(new InferenceContext(n, g, d));
    if (types.size() != n.outputs().size()) {
      throw new ShapeError("op gives " + types.size() + " outputs but node has " + n.outputs().size());
    }
    return types;
  }

  /**
   * Refines every node output's type with the op's shape rule, in order. Throws a
   * DiagnosticException naming the node when a rule rejects its inputs or disagrees with a
   * declared type.
   */
  public void inferTypes(Graph g) {
    for (Node n : g.nodes()) {
      String where = "node '" + n.name() + "' (" + n.qualifiedOp() + ")";
      if (registry.lookup(n.domain(), n.opType()).isEmpty()) {
        throw new DiagnosticException(where, "unsupported op " + n.qualifiedOp());
      }
      List<TensorType> inferred;
      try {
        inferred = infer(n, g);
      } catch (ShapeError | IllegalArgumentException | ArithmeticException e) {
        throw new DiagnosticException(where, e.getMessage());
      }
      for (int i = 0; i < n.outputs().size(); i++) {
        Value out = n.output(i);
        TensorType merged = merge(out.type(), inferred.get(i));
        if (merged == null) {
          throw new DiagnosticException(
              where, "output %" + out.name() + " is declared " + out.type() + " but the op gives " + inferred.get(i));
        }
        out.setType(merged);
      }
    }
  }

  /** The more precise of two compatible types, or null when they conflict. */
  public static TensorType merge(TensorType declared, TensorType inferred) {
    if (!declared.format().equals(inferred.format())) {
      return null;
    }
    Shape a = declared.shape();
    Shape b = inferred.shape();
    if (!a.ranked()) {
      return inferred;
    }
    if (!b.ranked()) {
      return declared;
    }
    if (a.rank() != b.rank()) {
      return null;
    }
    List<Dim> dims = new ArrayList<>();
    for (int i = 0; i < a.rank(); i++) {
      Dim da = a.dim(i);
      Dim db = b.dim(i);
      if (da instanceof Dim.Fixed && db instanceof Dim.Fixed && !da.equals(db)) {
        return null;
      }
      if (da instanceof Dim.Fixed) {
        dims.add(da);
      } else if (db instanceof Dim.Fixed) {
        dims.add(db);
      } else {
        dims.add(da.equals(org.qcc.ir.ops.Dims.UNKNOWN) ? db : da);
      }
    }
    return declared.withShape(Shape.of(dims));
  }
}
