// Prints a graph as .qir text: stable names and order, so golden files diff cleanly.
package org.qcc.ir.text;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;

/**
 * The inverse of {@link QirParser}: {@code print(parse(print(g))) == print(g)}. Tensors of at
 * most {@link #LITERAL_LIMIT} elements print as lists, larger ones as base64 of their bytes.
 */
public final class QirPrinter {
  public static final int LITERAL_LIMIT = 16;

  private QirPrinter() {}

  public static String print(Graph g) {
    StringBuilder sb = new StringBuilder();
    sb.append("graph ").append(quote(g.name()));
    if (!g.opsets().isEmpty()) {
      sb.append(" opsets(");
      boolean first = true;
      for (Map.Entry<String, Long> e : g.opsets().entrySet()) {
        sb.append(first ? "" : ", ").append(quote(e.getKey())).append(" = ").append(e.getValue());
        first = false;
      }
      sb.append(')');
    }
    sb.append(" {\n");
    for (Value v : g.inputs()) {
      sb.append("  input ").append(decl(v)).append('\n');
    }
    for (Map.Entry<Value, Tensor> e : g.constants().entrySet()) {
      sb.append("  const ").append(decl(e.getKey())).append(" = ").append(literal(e.getValue())).append('\n');
    }
    for (Node n : g.nodes()) {
      sb.append("  ");
      List<Value> outs = n.outputs();
      for (int i = 0; i < outs.size(); i++) {
        sb.append(i > 0 ? ", " : "").append(decl(outs.get(i)));
      }
      if (!outs.isEmpty()) {
        sb.append(" = ");
      }
      sb.append(n.qualifiedOp()).append('(');
      for (int i = 0; i < n.inputs().size(); i++) {
        Value in = n.inputs().get(i);
        sb.append(i > 0 ? ", " : "").append(in == null ? "_" : ref(in));
      }
      sb.append(')');
      if (!n.attributes().isEmpty()) {
        sb.append(" {");
        boolean first = true;
        for (Map.Entry<String, Attribute> e : n.attributes().entrySet()) {
          sb.append(first ? "" : ", ").append(e.getKey()).append(" = ").append(attr(e.getValue()));
          first = false;
        }
        sb.append('}');
      }
      sb.append(" loc(").append(quote(n.name())).append(")\n");
    }
    if (!g.outputs().isEmpty()) {
      sb.append("  output ");
      for (int i = 0; i < g.outputs().size(); i++) {
        sb.append(i > 0 ? ", " : "").append(ref(g.outputs().get(i)));
      }
      sb.append('\n');
    }
    return sb.append("}\n").toString();
  }

  private static String decl(Value v) {
    return ref(v) + ": " + type(v.type());
  }

  static String type(TensorType t) {
    return t.toString();
  }

  /** {@code %name}, quoted when the name has characters outside the plain set. */
  public static String ref(Value v) {
    String n = v.name();
    return n.matches("[A-Za-z0-9_./\\-]+") ? "%" + n : "%" + quote(n);
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  static String literal(Tensor t) {
    if (t.size() > LITERAL_LIMIT) {
      return "base64 \"" + Base64.getEncoder().encodeToString(TensorBytes.encode(t)) + "\"";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < t.size(); i++) {
      sb.append(i > 0 ? ", " : "");
      sb.append(t.format().isFloatingPoint() ? number(t.getDouble(i), t.format().bits() > 32) : Long.toString(t.getLong(i)));
    }
    return sb.append(']').toString();
  }

  static String number(double v, boolean isDouble) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return isDouble ? Double.toString(v) : Float.toString((float) v);
  }

  private static String attr(Attribute a) {
    if (a instanceof Attribute.Int i) {
      return Long.toString(i.value());
    } else if (a instanceof Attribute.Float f) {
      return number(f.value(), false);
    } else if (a instanceof Attribute.Str s) {
      return quote(s.value());
    } else if (a instanceof Attribute.Ints l) {
      return l.values().isEmpty() ? "ints[]" : l.values().toString();
    } else if (a instanceof Attribute.Floats l) {
      if (l.values().isEmpty()) {
        return "floats[]";
      }
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.values().size(); i++) {
        sb.append(i > 0 ? ", " : "").append(number(l.values().get(i), false));
      }
      return sb.append(']').toString();
    } else if (a instanceof Attribute.Strs l) {
      if (l.values().isEmpty()) {
        return "strings[]";
      }
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < l.values().size(); i++) {
        sb.append(i > 0 ? ", " : "").append(quote(l.values().get(i)));
      }
      return sb.append(']').toString();
    } else {
      Tensor t = ((Attribute.TensorValue) a).value();
      return "tensor<" + type(t.type()) + "> " + literal(t);
    }
  }
}
