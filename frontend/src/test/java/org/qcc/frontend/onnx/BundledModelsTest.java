// Import, textual round trip and ONNX round trip of the bundled models.
package org.qcc.frontend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;

class BundledModelsTest {
  static Path model(String name) {
    return Path.of(System.getProperty("qcc.home", "..")).resolve("models/fashion_" + name + ".onnx");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "vit"})
  void importsAndVerifies(String name) {
    Graph g = OnnxImporter.importFile(model(name));
    assertEquals(List.of(), Verifier.standard().verify(g));
    assertEquals("fp32[N,10]", g.outputs().get(0).type().toString());
    assertTrue(g.parameterCount() > 10_000);
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "vit"})
  void textRoundTripIsStable(String name) {
    Graph g = OnnxImporter.importFile(model(name));
    String text = QirPrinter.print(g);
    Graph parsed = QirParser.parse(text, name + ".qir");
    Verifier.standard().inferTypes(parsed);
    assertEquals(List.of(), Verifier.standard().verify(parsed));
    assertEquals(text, QirPrinter.print(parsed));
  }

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "vit"})
  void onnxExportThenImportGivesTheSameGraph(String name) {
    Graph g = OnnxImporter.importFile(model(name));
    byte[] bytes = OnnxExporter.export(g).toByteArray();
    Graph again = OnnxImporter.importBytes(bytes, name + "-exported", null);
    assertEquals(QirPrinter.print(g), QirPrinter.print(again));
  }
}
