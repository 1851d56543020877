// A model's summary: inputs, outputs, per-layer ops, shapes, parameters and MACs.
package org.qcc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.qcc.ir.Dim;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Value;

/**
 * What {@code qcc inspect} and {@code qcc demo} print. MACs count multiply-accumulates of
 * Conv, ConvTranspose, Gemm and MatMul per sample: symbolic dims count as 1.
 */
record ModelSummary(Graph graph, List<Layer> layers, long params, long macs, Map<String, Integer> opCounts) {

  record Layer(String name, String op, String output, long params, long macs) {}

  static ModelSummary of(Graph g) {
    List<Layer> layers = new ArrayList<>();
    Set<Value> counted = new HashSet<>();
    Map<String, Integer> ops = new TreeMap<>();
    long totalMacs = 0;
    for (Node n : g.nodes()) {
      long p = 0;
      for (Value in : n.inputs()) {
        if (in != null && g.isConstant(in) && counted.add(in)) {
          p += g.constant(in).size();
        }
      }
      long m = macs(n);
      totalMacs += m;
      ops.merge(n.qualifiedOp(), 1, Integer::sum);
      String out = n.outputs().isEmpty() ? "" : n.output(0).type().toString();
      layers.add(new Layer(n.name(), n.qualifiedOp(), out, p, m));
    }
    return new ModelSummary(g, layers, g.parameterCount(), totalMacs, ops);
  }

  private static long elements(Shape s) {
    if (!s.ranked()) {
      return 0;
    }
    long n = 1;
    for (Dim d : s.dims()) {
      n *= d instanceof Dim.Fixed f ? f.size() : 1;
    }
    return n;
  }

  private static long dim(Shape s, int i) {
    int k = i < 0 ? s.rank() + i : i;
    return s.dim(k) instanceof Dim.Fixed f ? f.size() : 1;
  }

  static long macs(Node n) {
    try {
      switch (n.opType()) {
        case "Conv": {
          Shape w = n.inputs().get(1).type().shape();
          long perOut = 1;
          for (int i = 1; i < w.rank(); i++) {
            perOut *= dim(w, i);
          }
          return elements(n.output(0).type().shape()) * perOut;
        }
        case "ConvTranspose": {
          Shape w = n.inputs().get(1).type().shape();
          long perIn = 1;
          for (int i = 1; i < w.rank(); i++) {
            perIn *= dim(w, i);
          }
          return elements(n.inputs().get(0).type().shape()) * perIn;
        }
        case "Gemm":
        case "MatMul": {
          Shape a = n.inputs().get(0).type().shape();
          return elements(n.output(0).type().shape()) * dim(a, -1);
        }
        default:
          return 0;
      }
    } catch (RuntimeException e) {
      return 0; // unranked operands: unknown
    }
  }

  String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("graph ").append(graph.name()).append("  opsets");
    graph.opsets().forEach((d, v) -> sb.append(' ').append(d.isEmpty() ? "onnx" : d).append('=').append(v));
    sb.append('\n');
    for (Value v : graph.inputs()) {
      sb.append("  input  ").append(v.name()).append(": ").append(v.type()).append('\n');
    }
    for (Value v : graph.outputs()) {
      sb.append("  output ").append(v.name()).append(": ").append(v.type()).append('\n');
    }
    int nameW = 4;
    int opW = 2;
    int outW = 6;
    for (Layer l : layers) {
      nameW = Math.max(nameW, Math.min(40, l.name().length()));
      opW = Math.max(opW, l.op().length());
      outW = Math.max(outW, l.output().length());
    }
    String fmt = "  %-" + nameW + "s  %-" + opW + "s  %-" + outW + "s  %10s  %12s%n";
    sb.append(String.format(fmt, "node", "op", "output", "params", "MACs"));
    for (Layer l : layers) {
      String name = l.name().length() > 40 ? "…" + l.name().substring(l.name().length() - 39) : l.name();
      sb.append(String.format(fmt, name, l.op(), l.output(), l.params() == 0 ? "" : l.params(), l.macs() == 0 ? "" : l.macs()));
    }
    sb.append(String.format("  %d nodes, %d parameters, %d MACs per sample%n", layers.size(), params, macs));
    sb.append("  ops: ");
    opCounts.forEach((k, v) -> sb.append(k).append(" x").append(v).append("  "));
    return sb.append('\n').toString();
  }

  ObjectNode toJson() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("graph", graph.name());
    ObjectNode opsets = o.putObject("opsets");
    graph.opsets().forEach(opsets::put);
    ArrayNode ins = o.putArray("inputs");
    graph.inputs().forEach(v -> ins.addObject().put("name", v.name()).put("type", v.type().toString()));
    ArrayNode outs = o.putArray("outputs");
    graph.outputs().forEach(v -> outs.addObject().put("name", v.name()).put("type", v.type().toString()));
    ArrayNode ls = o.putArray("layers");
    for (Layer l : layers) {
      ls.addObject().put("name", l.name()).put("op", l.op()).put("output", l.output()).put("params", l.params()).put("macs", l.macs());
    }
    o.put("nodes", layers.size());
    o.put("params", params);
    o.put("macs", macs);
    return o;
  }
}
