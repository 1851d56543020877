// External tensor data: loaded from the model's folder, never from outside it.
package org.qcc.frontend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.frontend.onnx.proto.Onnx;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;

class ExternalDataTest {
  @TempDir Path dir;

  private Path writeModel(Path modelDir, String location, long offset) throws Exception {
    Onnx.TensorProto w =
        Onnx.TensorProto.newBuilder()
            .setName("w")
            .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE)
            .addDims(3)
            .setDataLocation(Onnx.TensorProto.DataLocation.EXTERNAL)
            .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("location").setValue(location))
            .addExternalData(Onnx.StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
            .build();
    Onnx.ValueInfoProto out =
        Onnx.ValueInfoProto.newBuilder()
            .setName("y")
            .setType(Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1)))
            .build();
    Onnx.GraphProto g =
        Onnx.GraphProto.newBuilder()
            .setName("ext")
            .addInitializer(w)
            .addNode(Onnx.NodeProto.newBuilder().setOpType("Relu").addInput("w").addOutput("y"))
            .addOutput(out)
            .build();
    Onnx.ModelProto m =
        Onnx.ModelProto.newBuilder()
            .setIrVersion(8)
            .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(17))
            .setGraph(g)
            .build();
    Files.createDirectories(modelDir);
    Path file = modelDir.resolve("model.onnx");
    Files.write(file, m.toByteArray());
    return file;
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void readsDataBesideTheModelAtAnOffset() throws Exception {
    Path m = writeModel(dir.resolve("m"), "weights.bin", 4);
    Files.write(dir.resolve("m/weights.bin"), ByteString.copyFrom(new byte[4]).concat(ByteString.copyFrom(floats(1, -2, 3))).toByteArray());
    Graph g = OnnxImporter.importFile(m);
    assertEquals(-2.0, g.constants().values().iterator().next().getDouble(1));
  }

  @Test
  void rejectsAbsoluteEscapingAndSymlinkedLocations() throws Exception {
    Files.write(dir.resolve("secret.bin"), floats(1, 2, 3));
    String abs = dir.resolve("secret.bin").toString();
    DiagnosticException a = assertThrows(DiagnosticException.class, () -> OnnxImporter.importFile(writeModel(dir.resolve("a"), abs, 0)));
    assertTrue(a.getMessage().contains("is absolute"), a.getMessage());
    DiagnosticException b = assertThrows(DiagnosticException.class, () -> OnnxImporter.importFile(writeModel(dir.resolve("b"), "../secret.bin", 0)));
    assertTrue(b.getMessage().contains("escapes the model's folder"), b.getMessage());
    Path c = writeModel(dir.resolve("c"), "link.bin", 0);
    Files.createSymbolicLink(dir.resolve("c/link.bin"), dir.resolve("secret.bin"));
    DiagnosticException l = assertThrows(DiagnosticException.class, () -> OnnxImporter.importFile(c));
    assertTrue(l.getMessage().contains("links outside the model's folder"), l.getMessage());
  }

  @Test
  void shortFileIsAClearError() throws Exception {
    Path m = writeModel(dir.resolve("s"), "w.bin", 0);
    Files.write(dir.resolve("s/w.bin"), floats(1));
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> OnnxImporter.importFile(m));
    assertTrue(e.getMessage().contains("too short"), e.getMessage());
  }
}
