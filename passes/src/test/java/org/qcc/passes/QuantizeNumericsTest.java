package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.AxisView;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;
import org.qcc.simulator.functional.Interpreter;

/** Quantized real models: weights on the format's grid, folding exact, clear errors. */
class QuantizeNumericsTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private static Graph model(String name) {
    return OnnxImporter.importFile(HOME.resolve("models/fashion_" + name + ".onnx"));
  }

  private static FloatTensor images() {
    return FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 16);
  }

  @Test
  void int4ChannelWeightsOfTheCnnAreIntegersTimesTheirChannelScale() {
    Graph g = model("cnn");
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{weights=int4}").run(g);
    int checked = 0;
    for (Node n : g.nodes()) {
      if (!n.qualifiedOp().equals("qcc.FakeQuant")) {
        continue;
      }
      Tensor w = g.constant(n.inputs().get(0));
      Tensor s = g.constant(n.inputs().get(1));
      Tensor q = Interpreter.evaluate(n, List.of(w, s), 17).get(0);
      int axis = (int) ((org.qcc.ir.Attribute.Int) n.attribute("axis").orElseThrow()).value();
      int inner = AxisView.of(w.shape(), axis, "axis").inner();
      for (int i = 0; i < q.size(); i++) {
        double code = q.getDouble(i) / s.getDouble((i / inner) % w.dim(axis));
        assertEquals(Math.rint(code), code, 1e-4, n.name() + " element " + i);
        assertTrue(Math.abs(code) <= 7.0001, n.name() + " element " + i + " code " + code);
      }
      checked++;
    }
    assertEquals(6, checked, "every Conv and Gemm weight of the cnn");
  }

  @Test
  void foldingKeepsQuantizedWeightsAsQuantizersAndTheModelBitExact() {
    Graph g = model("mlp");
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{weights=fp4_e2m1,acts=mxfp8_e4m3,granularity=group,group-size=16}").run(g);
    Tensor before = new Interpreter(g).run(List.of(images())).get(0);
    Graph folded = QirParser.parse(QirPrinter.print(g), "copy");
    PassManager.build(PassRegistry.standard(), "canonicalize").run(folded);
    long remaining = folded.nodes().stream().filter(n -> n.qualifiedOp().equals("qcc.FakeQuant")).count();
    assertEquals(6, remaining, "weight quantizers record the weights' format, so they do not fold");
    assertTrue(before.contentEquals(new Interpreter(folded).run(List.of(images())).get(0)));
  }

  @Test
  void uncalibratedActivationScalesAreAClearError() {
    Graph g = model("mlp");
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{acts=int8}").run(g);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Interpreter(g).run(List.of(images())));
    assertTrue(e.getMessage().endsWith("holds NaN; run calibrate after quantize"), e.getMessage());
  }
}
