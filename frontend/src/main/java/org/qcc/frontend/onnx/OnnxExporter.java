// Writes a qcc Graph as an ONNX model.
package org.qcc.frontend.onnx;

import com.google.protobuf.ByteString;
import java.util.Map;
import org.qcc.frontend.onnx.proto.Onnx.AttributeProto;
import org.qcc.frontend.onnx.proto.Onnx.GraphProto;
import org.qcc.frontend.onnx.proto.Onnx.ModelProto;
import org.qcc.frontend.onnx.proto.Onnx.NodeProto;
import org.qcc.frontend.onnx.proto.Onnx.OperatorSetIdProto;
import org.qcc.frontend.onnx.proto.Onnx.TensorShapeProto;
import org.qcc.frontend.onnx.proto.Onnx.TypeProto;
import org.qcc.frontend.onnx.proto.Onnx.ValueInfoProto;
import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.ElementFormats;

/** qcc IR to ONNX: constants become initializers, intermediate types become value_info. */
public final class OnnxExporter {
  private OnnxExporter() {}

  public static ModelProto export(Graph g) {
    GraphProto.Builder gb = GraphProto.newBuilder().setName(g.name());
    for (Value v : g.inputs()) {
      gb.addInput(valueInfo(v));
    }
    for (Map.Entry<Value, Tensor> e : g.constants().entrySet()) {
      gb.addInitializer(TensorProtos.encode(e.getValue(), e.getKey().name()));
    }
    for (Node n : g.nodes()) {
      NodeProto.Builder nb =
          NodeProto.newBuilder().setName(n.name()).setOpType(n.opType()).setDomain(n.domain());
      for (Value in : n.inputs()) {
        nb.addInput(in == null ? "" : in.name());
      }
      for (Value out : n.outputs()) {
        nb.addOutput(out.name());
        if (!g.outputs().contains(out)) {
          gb.addValueInfo(valueInfo(out));
        }
      }
      for (Map.Entry<String, Attribute> e : n.attributes().entrySet()) {
        nb.addAttribute(attribute(e.getKey(), e.getValue(), n));
      }
      gb.addNode(nb);
    }
    for (Value v : g.outputs()) {
      gb.addOutput(valueInfo(v));
    }
    long opset = g.onnxOpset(17);
    ModelProto.Builder mb =
        ModelProto.newBuilder()
            .setIrVersion(opset <= 15 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10)
            .setProducerName("qcc")
            .setProducerVersion("0.1.0")
            .setGraph(gb);
    if (!g.opsets().containsKey("")) {
      mb.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset));
    }
    for (Map.Entry<String, Long> e : g.opsets().entrySet()) {
      mb.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(e.getKey()).setVersion(e.getValue()));
    }
    return mb.build();
  }

  private static ValueInfoProto valueInfo(Value v) {
    TypeProto.Tensor.Builder tb =
        TypeProto.Tensor.newBuilder().setElemType(DataTypes.code(v.type().format()));
    if (v.type().shape().ranked()) {
      TensorShapeProto.Builder sb = TensorShapeProto.newBuilder();
      for (Dim d : v.type().shape().dims()) {
        if (d instanceof Dim.Fixed f) {
          sb.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(f.size()));
        } else {
          String name = ((Dim.Symbolic) d).name();
          sb.addDim(
              name.equals("?")
                  ? TensorShapeProto.Dimension.newBuilder()
                  : TensorShapeProto.Dimension.newBuilder().setDimParam(name));
        }
      }
      tb.setShape(sb);
    }
    return ValueInfoProto.newBuilder()
        .setName(v.name())
        .setType(TypeProto.newBuilder().setTensorType(tb))
        .build();
  }

  private static AttributeProto attribute(String name, Attribute a, Node n) {
    AttributeProto.Builder b = AttributeProto.newBuilder().setName(name);
    if (a instanceof Attribute.Int i) {
      b.setType(AttributeProto.AttributeType.INT).setI(i.value());
    } else if (a instanceof Attribute.Float f) {
      b.setType(AttributeProto.AttributeType.FLOAT).setF(f.value());
    } else if (a instanceof Attribute.Str s) {
      if (n.opType().equals("Cast") && n.domain().isEmpty() && name.equals("to")) {
        return b.setType(AttributeProto.AttributeType.INT)
            .setI(DataTypes.code(ElementFormats.parse(s.value())))
            .build();
      }
      b.setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(s.value()));
    } else if (a instanceof Attribute.Ints l) {
      b.setType(AttributeProto.AttributeType.INTS).addAllInts(l.values());
    } else if (a instanceof Attribute.Floats l) {
      b.setType(AttributeProto.AttributeType.FLOATS).addAllFloats(l.values());
    } else if (a instanceof Attribute.Strs l) {
      b.setType(AttributeProto.AttributeType.STRINGS);
      l.values().forEach(s -> b.addStrings(ByteString.copyFromUtf8(s)));
    } else {
      b.setType(AttributeProto.AttributeType.TENSOR)
          .setT(TensorProtos.encode(((Attribute.TensorValue) a).value(), ""));
    }
    return b.build();
  }
}
