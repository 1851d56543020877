package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxExporter;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Attribute;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.text.QirPrinter;
import org.qcc.simulator.functional.Interpreter;

/** qcc-quantized models through QONNX files and back. */
class QonnxRoundTripTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private static Graph quantized(String model, String quantize) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_" + model + ".onnx"));
    PassManager.build(PassRegistry.standard(), "canonicalize," + quantize + ",calibrate{images=64}").run(g, new SyntheticCalibration(g, 64));
    return g;
  }

  /** The graph written as a QONNX file and read back, QONNX ops as they are. */
  private static Graph throughQonnxFile(Graph g) {
    Graph copy = OnnxImporter.importBytes(OnnxExporter.export(g).toByteArray(), "copy", null);
    PassManager.build(PassRegistry.standard(), "to-qonnx").run(copy);
    return OnnxImporter.importBytes(OnnxExporter.export(copy).toByteArray(), "qonnx", null);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "mlp; quantize{weights=int8,acts=int8}",
        "cnn; quantize{weights=int4,acts=uint8,rounding=rna}",
        "cnn; quantize{weights=e4m3fn,acts=e5m2,granularity=tensor}",
        "vit; quantize{weights=int8n,acts=fp6_e3m2,scale=pow2}",
        "mlp; quantize{weights=bipolar,acts=int4}"
      })
  void aQuantizedModelExportedToQonnxImportsBackIdentical(String model, String quantize) {
    Graph g = quantized(model, quantize);
    Graph back = throughQonnxFile(g);
    assertTrue(back.nodes().stream().anyMatch(n -> n.domain().equals("qonnx.custom_op.general")));
    PassManager.build(PassRegistry.standard(), "from-qonnx").run(back);
    String before = QirPrinter.print(OnnxImporter.importBytes(OnnxExporter.export(g).toByteArray(), "g", null));
    assertEquals(before, QirPrinter.print(back));
    FloatTensor images = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 16);
    assertTrue(new Interpreter(g).run(List.of(images)).get(0).contentEquals(new Interpreter(back).run(List.of(images)).get(0)));
  }

  @Test
  void qonnxSemanticsOfTheExportAgreeWithQcc() {
    Graph g = quantized("cnn", "quantize{weights=int8,acts=int8}");
    Graph qonnx = throughQonnxFile(g);
    // QONNX ops keep QONNX's float semantics, so compare with qcc's fake-quantized layers summed in fp32 too.
    g.nodes().stream().filter(n -> n.attribute(ExactLayer.ACC).isPresent()).forEach(n -> n.setAttribute(ExactLayer.ACC, new Attribute.Str("fp32")));
    FloatTensor images = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 100);
    Tensor a = new Interpreter(g).run(List.of(images)).get(0);
    Tensor b = new Interpreter(qonnx).run(List.of(images)).get(0);
    int same = 0;
    for (int i = 0; i < a.size(); i++) {
      same += a.getDouble(i) == b.getDouble(i) ? 1 : 0;
    }
    // QONNX divides in float32 before rounding, so with fp32 scales an element can land on the other side of a
    // tie; on this model all 1,000 logits agree bit for bit.
    assertTrue(same >= a.size() * 0.99, same + " of " + a.size() + " logits bit-identical");
  }

  @Test
  void formatsWithoutAQonnxFormAreAnErrorNamingTheNode() {
    Graph mx = quantized("mlp", "quantize{weights=mxfp4_e2m1}");
    PassException e = assertThrows(PassException.class, () -> PassManager.build(PassRegistry.standard(), "to-qonnx").run(mx));
    assertTrue(e.getMessage().matches("pass 'to-qonnx': node '.*\\.wq': QONNX has no block formats \\(mxfp4_e2m1\\)"), e.getMessage());
    Graph group = quantized("mlp", "quantize{weights=int4,granularity=group}");
    e = assertThrows(PassException.class, () -> PassManager.build(PassRegistry.standard(), "to-qonnx").run(group));
    assertTrue(e.getMessage().endsWith("QONNX scales broadcast against the data, per-group scales cannot"), e.getMessage());
  }
}
