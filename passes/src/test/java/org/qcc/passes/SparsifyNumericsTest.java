package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.ir.text.QirParser;
import org.qcc.simulator.functional.Interpreter;

/** N:M sparsity on the bundled models: the pattern holds, and the compressed form computes exactly the pruned model. */
class SparsifyNumericsTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private static Graph model(String name) {
    return OnnxImporter.importFile(HOME.resolve("models/fashion_" + name + ".onnx"));
  }

  private static List<Node> densifies(Graph g) {
    return g.nodes().stream().filter(n -> n.qualifiedOp().equals("qcc.Densify")).toList();
  }

  @ParameterizedTest
  @CsvSource({"cnn,2,4", "cnn,1,4", "mlp,2,8", "mlp,4,8", "vit,2,4"})
  void everyGroupKeepsItsNLargestWeights(String name, int n, int m) {
    Graph dense = model(name);
    Graph g = model(name);
    PassManager.build(PassRegistry.standard(), "sparsify{n=" + n + ",m=" + m + "}").run(g);
    assertTrue(!densifies(g).isEmpty());
    for (Node d : densifies(g)) {
      Node layer = g.nodes().stream().filter(x -> x.inputs().contains(d.output(0))).findFirst().orElseThrow();
      Node original = dense.nodes().stream().filter(x -> x.name().equals(layer.name())).findFirst().orElseThrow();
      float[] w = ((FloatTensor) dense.constant(original.inputs().get(1))).data();
      Tensor sparse = Interpreter.evaluate(d, List.of(g.constant(d.inputs().get(0)), g.constant(d.inputs().get(1))), 17).get(0);
      Tensor idx = g.constant(d.inputs().get(1));
      AxisView v = AxisView.of(sparse.shape(), (int) ConstantFacts.intAttr(d, "axis"), "axis");
      int stored = v.length() / m * n;
      for (int o = 0; o < v.outer(); o++) {
        for (int gr = 0; gr < v.length() / m; gr++) {
          for (int i = 0; i < v.inner(); i++) {
            boolean[] kept = new boolean[m];
            for (int j = 0; j < n; j++) {
              kept[(int) idx.getLong((o * stored + gr * n + j) * v.inner() + i)] = true;
            }
            float smallestKept = Float.POSITIVE_INFINITY;
            float largestPruned = 0;
            for (int p = 0; p < m; p++) {
              int at = (o * v.length() + gr * m + p) * v.inner() + i;
              assertEquals(kept[p] ? w[at] : 0f, (float) sparse.getDouble(at), layer.name() + " element " + at);
              if (kept[p]) {
                smallestKept = Math.min(smallestKept, Math.abs(w[at]));
              } else {
                largestPruned = Math.max(largestPruned, Math.abs(w[at]));
              }
            }
            assertTrue(smallestKept >= largestPruned, layer.name() + ": group " + gr + " pruned a larger weight than it kept");
          }
        }
      }
    }
  }

  @Test
  void theCompressedFormComputesExactlyThePrunedDenseModel() {
    Graph g = model("cnn");
    PassManager.build(PassRegistry.standard(), "canonicalize,sparsify,quantize{weights=int8}").run(g);
    FloatTensor images = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 16);
    Tensor sparse = new Interpreter(g).run(List.of(images)).get(0);
    // The same model with every Densify replaced by the dense tensor it produces.
    for (Node d : densifies(g)) {
      Node q = d.inputs().get(0).producer();
      Tensor values = Interpreter.evaluate(q, List.of(g.constant(q.inputs().get(0)), g.constant(q.inputs().get(1))), 17).get(0);
      Tensor denseWeight = Interpreter.evaluate(d, List.of(values, g.constant(d.inputs().get(1))), 17).get(0);
      g.removeNode(d);
      g.removeNode(q);
      g.addConstant(d.output(0), denseWeight);
    }
    assertTrue(densifies(g).isEmpty());
    assertTrue(sparse.contentEquals(new Interpreter(g).run(List.of(images)).get(0)));
  }

  @Test
  void indicesOutOfOrderAreAnErrorNamingTheNode() {
    Graph g =
        QirParser.parse(
            """
            graph "bad" opsets("" = 17) {
              input %x: fp32[1,4]
              const %v: fp32[2,1] = [1.0, 2.0]
              const %i: uint8[2,1] = [3, 1]
              %w: fp32[4,1] = qcc.Densify(%v, %i) {axis = 0, m = 4, n = 2} loc("w.sparse")
              %y: fp32[1,1] = MatMul(%x, %w) loc("mm")
              output %y
            }
            """,
            "bad.qir");
    org.qcc.ir.Verifier.standard().inferTypes(g);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Interpreter(g).run(List.of(new FloatTensor(org.qcc.ir.formats.FloatFormat.FP32, new int[] {1, 4}, new float[4]))));
    assertEquals("node 'w.sparse' (qcc.Densify): index 1 at element 1 is not an increasing position in 0..3", e.getMessage());
  }
}
