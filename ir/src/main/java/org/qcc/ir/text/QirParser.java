// Parses .qir text into a Graph, with line:column diagnostics.
package org.qcc.ir.text;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.tree.TerminalNode;
import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;

/** Builds a Graph from .qir text. Every error names the source and line:column. */
public final class QirParser {
  private final String source;
  private final Map<String, Value> values = new HashMap<>();

  private QirParser(String source) {
    this.source = source;
  }

  /** Parses {@code text}; {@code source} names it in diagnostics (e.g. a file name). */
  public static Graph parse(String text, String source) {
    QirSyntaxLexer lexer = new QirSyntaxLexer(CharStreams.fromString(text, source));
    QirSyntaxParser grammar = new QirSyntaxParser(new CommonTokenStream(lexer));
    ThrowingListener listener = new ThrowingListener(source);
    lexer.removeErrorListeners();
    lexer.addErrorListener(listener);
    grammar.removeErrorListeners();
    grammar.addErrorListener(listener);
    return new QirParser(source).graph(grammar.module().graph());
  }

  private DiagnosticException error(ParserRuleContext ctx, String message) {
    return error(ctx.getStart(), message);
  }

  private DiagnosticException error(Token t, String message) {
    return new DiagnosticException(source + ":" + t.getLine() + ":" + (t.getCharPositionInLine() + 1), message);
  }

  private Graph graph(QirSyntaxParser.GraphContext ctx) {
    Graph g = new Graph(unquote(ctx.STRING().getText()));
    if (ctx.opsets() != null) {
      for (QirSyntaxParser.OpsetContext o : ctx.opsets().opset()) {
        g.setOpset(unquote(o.STRING().getText()), parseLong(o.INT().getSymbol()));
      }
    }
    for (QirSyntaxParser.StatementContext s : ctx.statement()) {
      if (s.inputDecl() != null) {
        g.addInput(declare(s.inputDecl().valueDecl()));
      } else if (s.constDecl() != null) {
        Value v = declare(s.constDecl().valueDecl());
        g.addConstant(v, tensor(v.type(), s.constDecl().tensorLiteral()));
      } else if (s.nodeDecl() != null) {
        g.addNode(node(s.nodeDecl()));
      } else {
        for (TerminalNode t : s.outputDecl().VALUE()) {
          g.addOutput(use(t.getSymbol()));
        }
      }
    }
    return g;
  }

  private Node node(QirSyntaxParser.NodeDeclContext ctx) {
    List<Value> inputs = new ArrayList<>();
    for (QirSyntaxParser.OperandContext o : ctx.operand()) {
      inputs.add(o.VALUE() == null ? null : use(o.VALUE().getSymbol()));
    }
    List<Value> outputs = new ArrayList<>();
    for (QirSyntaxParser.ValueDeclContext d : ctx.valueDecl()) {
      outputs.add(declare(d));
    }
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    if (ctx.attrDict() != null) {
      for (QirSyntaxParser.AttrContext a : ctx.attrDict().attr()) {
        if (attrs.put(a.attrName().getText(), attribute(a.attrValue())) != null) {
          throw error(a, "duplicate attribute '" + a.attrName().getText() + "'");
        }
      }
    }
    List<QirSyntaxParser.IdentContext> parts = ctx.opName().ident();
    String opType = parts.get(parts.size() - 1).getText();
    StringBuilder domain = new StringBuilder();
    for (int i = 0; i < parts.size() - 1; i++) {
      domain.append(i > 0 ? "." : "").append(parts.get(i).getText());
    }
    return new Node(domain.toString(), opType, unquote(ctx.STRING().getText()), inputs, outputs, attrs);
  }

  private Value declare(QirSyntaxParser.ValueDeclContext ctx) {
    String name = valueName(ctx.VALUE().getText());
    if (values.containsKey(name)) {
      throw error(ctx, "value %" + name + " is defined twice");
    }
    Value v = new Value(name, type(ctx.type()));
    values.put(name, v);
    return v;
  }

  private Value use(Token t) {
    String name = valueName(t.getText());
    Value v = values.get(name);
    if (v == null) {
      throw error(t, "value %" + name + " is used before it is defined");
    }
    return v;
  }

  private static String valueName(String token) {
    String body = token.substring(1);
    return body.startsWith("\"") ? unquote(body) : body;
  }

  private TensorType type(QirSyntaxParser.TypeContext ctx) {
    ElementFormat f;
    try {
      f = ElementFormats.parse(ctx.ident().getText());
    } catch (IllegalArgumentException e) {
      throw error(ctx, e.getMessage());
    }
    if (ctx.dims() == null) {
      return new TensorType(f, ctx.getText().endsWith("[*]") ? Shape.UNRANKED : Shape.SCALAR);
    }
    List<Dim> dims = new ArrayList<>();
    for (QirSyntaxParser.DimContext d : ctx.dims().dim()) {
      if (d.INT() != null) {
        long size = parseLong(d.INT().getSymbol());
        if (size < 0) {
          throw error(d, "negative dimension " + size);
        }
        dims.add(Dim.of(size));
      } else {
        dims.add(Dim.symbol(d.getText()));
      }
    }
    return new TensorType(f, Shape.of(dims));
  }

  private Tensor tensor(TensorType type, QirSyntaxParser.TensorLiteralContext ctx) {
    int[] shape = staticShape(type, ctx);
    try {
      if (ctx instanceof QirSyntaxParser.Base64LiteralContext b) {
        byte[] bytes = Base64.getDecoder().decode(unquote(b.STRING().getText()));
        return TensorBytes.decode(type.format(), shape, bytes);
      }
      List<QirSyntaxParser.NumberContext> nums = ((QirSyntaxParser.ListLiteralContext) ctx).number();
      Tensor t = Tensor.zeros(type.format(), shape);
      if (nums.size() != t.size()) {
        throw error(ctx, type + " needs " + t.size() + " values, got " + nums.size());
      }
      for (int i = 0; i < nums.size(); i++) {
        QirSyntaxParser.NumberContext n = nums.get(i);
        if (n.INT() != null) {
          t.setLong(i, parseLong(n.INT().getSymbol()));
        } else {
          t.setDouble(i, parseDouble(n.FLOAT().getText()));
        }
      }
      return t;
    } catch (IllegalArgumentException e) {
      throw error(ctx, e.getMessage());
    }
  }

  private int[] staticShape(TensorType type, ParserRuleContext ctx) {
    long[] sizes =
        type.shape().sizes().orElseThrow(() -> error(ctx, "constant type " + type + " must be static"));
    int[] shape = new int[sizes.length];
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] > Integer.MAX_VALUE) {
        throw error(ctx, "dimension " + sizes[i] + " is too large");
      }
      shape[i] = (int) sizes[i];
    }
    try {
      Tensor.checkedSize(shape);
    } catch (IllegalArgumentException e) {
      throw error(ctx, e.getMessage());
    }
    return shape;
  }

  private Attribute attribute(QirSyntaxParser.AttrValueContext ctx) {
    if (ctx instanceof QirSyntaxParser.ScalarAttrContext s) {
      QirSyntaxParser.NumberContext n = s.number();
      return n.INT() != null
          ? new Attribute.Int(parseLong(n.INT().getSymbol()))
          : new Attribute.Float((float) parseDouble(n.FLOAT().getText()));
    } else if (ctx instanceof QirSyntaxParser.StringAttrContext s) {
      return new Attribute.Str(unquote(s.STRING().getText()));
    } else if (ctx instanceof QirSyntaxParser.NumberListAttrContext l) {
      boolean anyFloat = l.number().stream().anyMatch(n -> n.FLOAT() != null);
      if (anyFloat) {
        List<Float> fs = new ArrayList<>();
        for (QirSyntaxParser.NumberContext n : l.number()) {
          fs.add((float) parseDouble(n.getText()));
        }
        return new Attribute.Floats(fs);
      }
      List<Long> is = new ArrayList<>();
      for (QirSyntaxParser.NumberContext n : l.number()) {
        is.add(parseLong(n.INT().getSymbol()));
      }
      return new Attribute.Ints(is);
    } else if (ctx instanceof QirSyntaxParser.StringListAttrContext l) {
      List<String> ss = new ArrayList<>();
      for (TerminalNode t : l.STRING()) {
        ss.add(unquote(t.getText()));
      }
      return new Attribute.Strs(ss);
    } else if (ctx instanceof QirSyntaxParser.EmptyListAttrContext e) {
      return switch (e.ident().getText()) {
        case "ints" -> new Attribute.Ints(List.of());
        case "floats" -> new Attribute.Floats(List.of());
        case "strings" -> new Attribute.Strs(List.of());
        default -> throw error(e, "unknown list kind '" + e.ident().getText() + "' (ints, floats, strings)");
      };
    } else {
      QirSyntaxParser.TensorAttrContext t = (QirSyntaxParser.TensorAttrContext) ctx;
      TensorType type = type(t.type());
      return new Attribute.TensorValue(tensor(type, t.tensorLiteral()));
    }
  }

  private long parseLong(Token t) {
    try {
      return Long.parseLong(t.getText());
    } catch (NumberFormatException e) {
      throw error(t, "integer out of range: " + t.getText());
    }
  }

  private static double parseDouble(String s) {
    return switch (s) {
      case "nan" -> Double.NaN;
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  static String unquote(String quoted) {
    StringBuilder sb = new StringBuilder();
    for (int i = 1; i < quoted.length() - 1; i++) {
      char c = quoted.charAt(i);
      if (c == '\\') {
        char e = quoted.charAt(++i);
        sb.append(
            switch (e) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              default -> e;
            });
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Turns ANTLR's syntax errors into diagnostics instead of printing to stderr. */
  private static final class ThrowingListener extends BaseErrorListener {
    private final String source;

    ThrowingListener(String source) {
      this.source = source;
    }

    @Override
    public void syntaxError(
        Recognizer<?, ?> recognizer,
        Object offendingSymbol,
        int line,
        int charPositionInLine,
        String msg,
        RecognitionException e) {
      throw new DiagnosticException(source + ":" + line + ":" + (charPositionInLine + 1), "syntax error: " + msg);
    }
  }
}
