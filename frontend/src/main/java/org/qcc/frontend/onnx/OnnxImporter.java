// Reads an ONNX model file into a qcc Graph.
package org.qcc.frontend.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qcc.frontend.onnx.proto.Onnx.AttributeProto;
import org.qcc.frontend.onnx.proto.Onnx.GraphProto;
import org.qcc.frontend.onnx.proto.Onnx.ModelProto;
import org.qcc.frontend.onnx.proto.Onnx.NodeProto;
import org.qcc.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.qcc.frontend.onnx.proto.Onnx.TensorProto;
import org.qcc.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.qcc.frontend.onnx.proto.Onnx.TypeProto;
import org.qcc.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.Verifier;
import org.qcc.ir.ops.ShapeError;

/**
 * ONNX to qcc IR. Constant nodes become graph constants; every node's output types come from
 * its op's shape rule, checked against the model's declared types. Any problem is a
 * {@link DiagnosticException} naming the file and the node or tensor.
 */
public final class OnnxImporter {
  public static final long MIN_OPSET = 7;
  public static final long MAX_OPSET = 21;

  private final String source;
  private final Path modelDir;
  private final Verifier verifier = Verifier.standard();
  private final Map<String, Value> values = new HashMap<>();
  private final Map<String, TensorType> declared = new HashMap<>();
  private Graph graph;

  private OnnxImporter(String source, Path modelDir) {
    this.source = source;
    this.modelDir = modelDir;
  }

  /** Imports a model file; external data must sit in the file's folder. */
  public static Graph importFile(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DiagnosticException(file.toString(), "cannot read file: " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    return importBytes(bytes, file.toString(), dir);
  }

  /** Imports serialized model bytes; {@code modelDir} null forbids external data. */
  public static Graph importBytes(byte[] bytes, String source, Path modelDir) {
    ModelProto model;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      in.setRecursionLimit(64);
      model = ModelProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new DiagnosticException(source, "not a valid ONNX model (truncated or corrupt protobuf: " + e.getMessage() + ")");
    } catch (IOException e) {
      throw new DiagnosticException(source, "cannot read model: " + e.getMessage());
    }
    return new OnnxImporter(source, modelDir).model(model);
  }

  private DiagnosticException error(String where, String message) {
    return new DiagnosticException(source + ": " + where, message);
  }

  private Graph model(ModelProto model) {
    if (!model.hasGraph()) {
      throw new DiagnosticException(source, "not an ONNX model (no graph)");
    }
    GraphProto gp = model.getGraph();
    graph = new Graph(gp.getName().isEmpty() ? "main" : gp.getName());
    boolean hasDefault = false;
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      String domain = o.getDomain().equals("ai.onnx") ? "" : o.getDomain();
      if (domain.isEmpty()) {
        hasDefault = true;
        if (o.getVersion() < MIN_OPSET || o.getVersion() > MAX_OPSET) {
          throw new DiagnosticException(
              source, "unsupported ONNX opset " + o.getVersion() + " (qcc supports " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
      }
      graph.setOpset(domain, o.getVersion());
    }
    if (!hasDefault) {
      throw new DiagnosticException(source, "models without the default ONNX domain are not supported (opsets: " + graph.opsets() + ")");
    }
    for (ValueInfoProto vi : gp.getValueInfoList()) {
      declared.put(vi.getName(), type(vi, "value_info '" + vi.getName() + "'"));
    }
    for (ValueInfoProto vi : gp.getOutputList()) {
      declared.put(vi.getName(), type(vi, "graph output '" + vi.getName() + "'"));
    }
    Set<String> initNames = new HashSet<>();
    for (TensorProto t : gp.getInitializerList()) {
      initNames.add(t.getName());
    }
    for (ValueInfoProto vi : gp.getInputList()) {
      if (!initNames.contains(vi.getName())) {
        graph.addInput(define(vi.getName(), type(vi, "graph input '" + vi.getName() + "'"), "graph input"));
      }
    }
    if (gp.getSparseInitializerCount() > 0) {
      throw new DiagnosticException(source, "sparse initializers are not supported");
    }
    for (TensorProto t : gp.getInitializerList()) {
      String where = "initializer '" + t.getName() + "'";
      Tensor data = TensorProtos.decode(t, modelDir, source + ": " + where);
      graph.addConstant(define(t.getName(), data.type(), where), data);
    }
    Set<String> nodeNames = new HashSet<>();
    int index = 0;
    for (NodeProto np : topologicalOrder(gp)) {
      String name = uniqueName(np, index++, nodeNames);
      node(np, name);
    }
    for (ValueInfoProto vi : gp.getOutputList()) {
      Value v = values.get(vi.getName());
      if (v == null) {
        throw error("graph output '" + vi.getName() + "'", "is not produced by any node, input or initializer");
      }
      graph.addOutput(v);
    }
    return graph;
  }

  private static String uniqueName(NodeProto np, int index, Set<String> taken) {
    String base = np.getName().isEmpty() ? np.getOpType() + "_" + index : np.getName();
    String name = base;
    for (int k = 1; !taken.add(name); k++) {
      name = base + "_" + k;
    }
    return name;
  }

  /** Nodes in a stable topological order; a cycle or an undefined input is an error. */
  private List<NodeProto> topologicalOrder(GraphProto gp) {
    Set<String> available = new HashSet<>(values.keySet());
    available.add("");
    Map<String, Integer> producer = new HashMap<>();
    for (int i = 0; i < gp.getNodeCount(); i++) {
      for (String out : gp.getNode(i).getOutputList()) {
        if (!out.isEmpty() && (producer.putIfAbsent(out, i) != null || available.contains(out))) {
          throw error("node '" + gp.getNode(i).getName() + "' (" + gp.getNode(i).getOpType() + ")", "output '" + out + "' is defined twice");
        }
      }
    }
    List<NodeProto> order = new ArrayList<>();
    boolean[] done = new boolean[gp.getNodeCount()];
    ArrayDeque<Integer> pending = new ArrayDeque<>();
    for (int i = 0; i < gp.getNodeCount(); i++) {
      pending.add(i);
    }
    // Repeated passes keep the file's order when it is already topological (the common case).
    boolean progress = true;
    while (order.size() < gp.getNodeCount() && progress) {
      progress = false;
      for (int i = 0; i < gp.getNodeCount(); i++) {
        if (done[i]) {
          continue;
        }
        NodeProto n = gp.getNode(i);
        boolean ready = true;
        for (String in : n.getInputList()) {
          if (!available.contains(in)) {
            if (!producer.containsKey(in)) {
              throw error("node '" + n.getName() + "' (" + n.getOpType() + ")", "input '" + in + "' is not defined by any node, input or initializer");
            }
            ready = false;
            break;
          }
        }
        if (ready) {
          done[i] = true;
          order.add(n);
          available.addAll(n.getOutputList());
          progress = true;
        }
      }
    }
    if (order.size() < gp.getNodeCount()) {
      for (int i = 0; i < done.length; i++) {
        if (!done[i]) {
          throw error("node '" + gp.getNode(i).getName() + "' (" + gp.getNode(i).getOpType() + ")", "is part of a cycle");
        }
      }
    }
    return order;
  }

  private Value define(String name, TensorType type, String where) {
    if (name.isEmpty()) {
      throw error(where, "has an empty name");
    }
    if (values.containsKey(name)) {
      throw error(where + " '" + name + "'", "is defined twice");
    }
    Value v = new Value(name, type);
    values.put(name, v);
    return v;
  }

  private void node(NodeProto np, String name) {
    String where = "node '" + name + "' (" + np.getOpType() + ")";
    String domain = np.getDomain().equals("ai.onnx") ? "" : np.getDomain();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    for (AttributeProto a : np.getAttributeList()) {
      if (attrs.put(a.getName(), attribute(a, np.getOpType(), where)) != null) {
        throw error(where, "attribute '" + a.getName() + "' given twice");
      }
    }
    if (domain.isEmpty() && np.getOpType().equals("Constant")) {
      constantNode(np, attrs, where);
      return;
    }
    List<Value> inputs = new ArrayList<>();
    for (String in : np.getInputList()) {
      inputs.add(in.isEmpty() ? null : values.get(in));
    }
    while (!inputs.isEmpty() && inputs.get(inputs.size() - 1) == null) {
      inputs.remove(inputs.size() - 1);
    }
    List<String> outNames = new ArrayList<>(np.getOutputList());
    while (!outNames.isEmpty() && outNames.get(outNames.size() - 1).isEmpty()) {
      outNames.remove(outNames.size() - 1);
    }
    List<Value> outputs = new ArrayList<>();
    for (int k = 0; k < outNames.size(); k++) {
      String out = outNames.get(k).isEmpty() ? name + ".unused" + k : outNames.get(k);
      outputs.add(define(out, declared.getOrDefault(out, PLACEHOLDER), where + " output"));
    }
    Node n = new Node(domain, np.getOpType(), name, inputs, outputs, attrs);
    graph.addNode(n);
    infer(n, where);
  }

  private static final TensorType PLACEHOLDER =
      new TensorType(org.qcc.ir.formats.FloatFormat.FP32, Shape.UNRANKED);

  private void infer(Node n, String where) {
    List<String> problems = new ArrayList<>();
    verifier.checkSchema(n).forEach(d -> problems.add(d.message()));
    if (!problems.isEmpty()) {
      throw error(where, problems.get(0));
    }
    List<TensorType> types;
    try {
      types = verifier.infer(n, graph);
    } catch (ShapeError | IllegalArgumentException | ArithmeticException e) {
      throw error(where, e.getMessage());
    }
    for (int k = 0; k < n.outputs().size(); k++) {
      Value out = n.output(k);
      TensorType inferred = types.get(k);
      TensorType decl = declared.get(out.name());
      if (decl == null) {
        out.setType(inferred);
        continue;
      }
      TensorType merged = Verifier.merge(decl, inferred);
      if (merged == null) {
        throw error(where, "output '" + out.name() + "' is declared " + decl + " but the op gives " + inferred);
      }
      out.setType(merged);
    }
  }

  private void constantNode(NodeProto np, Map<String, Attribute> attrs, String where) {
    if (np.getOutputCount() != 1 || np.getInputCount() != 0 || attrs.size() != 1) {
      throw error(where, "Constant needs no inputs, one output and exactly one value attribute");
    }
    Map.Entry<String, Attribute> e = attrs.entrySet().iterator().next();
    Tensor t;
    Attribute a = e.getValue();
    switch (e.getKey()) {
      case "value" -> t = ((Attribute.TensorValue) a).value();
      case "value_float" -> t = Tensor.scalar(((Attribute.Float) a).value());
      case "value_floats" -> {
        float[] f = ((Attribute.Floats) a).toArray();
        t = Tensor.ofFloats(new int[] {f.length}, f);
      }
      case "value_int" -> t = Tensor.ofLongs(new int[0], ((Attribute.Int) a).value());
      case "value_ints" -> {
        long[] v = ((Attribute.Ints) a).toArray();
        t = Tensor.ofLongs(new int[] {v.length}, v);
      }
      default -> throw error(where, "unsupported Constant attribute '" + e.getKey() + "'");
    }
    String out = np.getOutput(0);
    graph.addConstant(define(out, t.type(), where + " output"), t);
  }

  private Attribute attribute(AttributeProto a, String opType, String where) {
    String at = where + " attribute '" + a.getName() + "'";
    AttributeProto.AttributeType kind = a.getType();
    if (kind == AttributeProto.AttributeType.UNDEFINED) {
      kind = guessKind(a);
    }
    if (!a.getRefAttrName().isEmpty()) {
      throw error(at, "attribute references (functions) are not supported");
    }
    switch (kind) {
      case INT:
        if (opType.equals("Cast") && a.getName().equals("to")) {
          return new Attribute.Str(
              DataTypes.format((int) a.getI())
                  .orElseThrow(() -> error(at, "cast to " + DataTypes.name((int) a.getI()) + " is not supported"))
                  .name());
        }
        return new Attribute.Int(a.getI());
      case FLOAT:
        return new Attribute.Float(a.getF());
      case STRING:
        return new Attribute.Str(a.getS().toStringUtf8());
      case INTS:
        return new Attribute.Ints(a.getIntsList());
      case FLOATS:
        return new Attribute.Floats(a.getFloatsList());
      case STRINGS:
        List<String> s = new ArrayList<>();
        a.getStringsList().forEach(b -> s.add(b.toStringUtf8()));
        return new Attribute.Strs(s);
      case TENSOR:
        return new Attribute.TensorValue(TensorProtos.decode(a.getT(), modelDir, source + ": " + at));
      case GRAPH:
      case GRAPHS:
        throw error(at, "subgraph attributes (control flow) are not supported");
      default:
        throw error(at, "attribute type " + kind + " is not supported");
    }
  }

  /** Pre-IR-3 files may leave the type unset; infer it from the filled field. */
  private static AttributeProto.AttributeType guessKind(AttributeProto a) {
    if (a.hasT()) return AttributeProto.AttributeType.TENSOR;
    if (a.hasG()) return AttributeProto.AttributeType.GRAPH;
    if (a.hasS()) return AttributeProto.AttributeType.STRING;
    if (a.hasF()) return AttributeProto.AttributeType.FLOAT;
    if (a.hasI()) return AttributeProto.AttributeType.INT;
    if (a.getFloatsCount() > 0) return AttributeProto.AttributeType.FLOATS;
    if (a.getIntsCount() > 0) return AttributeProto.AttributeType.INTS;
    if (a.getStringsCount() > 0) return AttributeProto.AttributeType.STRINGS;
    return AttributeProto.AttributeType.UNDEFINED;
  }

  private TensorType type(ValueInfoProto vi, String where) {
    TypeProto tp = vi.getType();
    if (!tp.hasTensorType()) {
      throw error(where, tp.hasSequenceType() || tp.hasMapType() || tp.hasOptionalType()
          ? "sequence, map and optional values are not supported"
          : "has no tensor type");
    }
    TypeProto.Tensor tt = tp.getTensorType();
    var format =
        DataTypes.format(tt.getElemType())
            .orElseThrow(() -> error(where, "element type " + DataTypes.name(tt.getElemType()) + " is not supported"));
    if (!tt.hasShape()) {
      return new TensorType(format, Shape.UNRANKED);
    }
    List<Dim> dims = new ArrayList<>();
    for (TensorShapeProto.Dimension d : tt.getShape().getDimList()) {
      if (d.hasDimValue()) {
        if (d.getDimValue() < 0) {
          throw error(where, "negative dimension " + d.getDimValue());
        }
        dims.add(Dim.of(d.getDimValue()));
      } else {
        dims.add(Dim.symbol(d.hasDimParam() && !d.getDimParam().isEmpty() ? sanitize(d.getDimParam()) : "?"));
      }
    }
    return new TensorType(format, Shape.of(dims));
  }

  /** Symbolic dim names must be identifiers in the textual IR. */
  private static String sanitize(String s) {
    String t = s.replaceAll("[^A-Za-z0-9_]", "_");
    return Character.isDigit(t.charAt(0)) ? "_" + t : t;
  }
}
