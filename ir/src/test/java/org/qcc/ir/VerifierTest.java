// Tests of the verifier's checks and messages.
package org.qcc.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;

class VerifierTest {
  private static String firstProblem(Graph g) {
    List<Diagnostic> d = Verifier.standard().verify(g);
    assertTrue(!d.isEmpty(), "expected a problem");
    return d.get(0).toString();
  }

  private static Graph parse(String body) {
    return QirParser.parse("graph \"g\" {\n" + body + "}\n", "t.qir");
  }

  @Test
  void validGraphHasNoProblems() {
    assertEquals(List.of(), Verifier.standard().verify(parse("  input %x: fp32[2,3]\n  %y: fp32[2,3] = Relu(%x) loc(\"r\")\n  output %y\n")));
  }

  @Test
  void wrongArity() {
    assertTrue(firstProblem(parse("  input %x: fp32[2]\n  %y: fp32[2] = Add(%x) loc(\"a\")\n")).contains("node 'a' (Add): expects 2 inputs, got 1"));
  }

  @Test
  void typeMismatchNamesNodeAndValue() {
    String p = firstProblem(parse("  input %x: fp32[2,3]\n  %y: fp32[2,4] = Relu(%x) loc(\"r\")\n"));
    assertTrue(p.contains("node 'r' (Relu)") && p.contains("%y is declared fp32[2,4]"), p);
  }

  @Test
  void unknownOpAndAttribute() {
    assertTrue(firstProblem(parse("  input %x: fp32[2]\n  %y: fp32[2] = Frobnicate(%x) loc(\"f\")\n")).contains("unsupported op Frobnicate"));
    assertTrue(firstProblem(parse("  input %x: fp32[2]\n  %y: fp32[2] = Relu(%x) {alpah = 1.0} loc(\"r\")\n")).contains("unknown attribute 'alpah'"));
  }

  @Test
  void danglingValueCycleAndDuplicateName() {
    TensorType t = TensorType.of(FloatFormat.FP32, 2);
    Graph g = new Graph("g");
    Value x = g.addInput(new Value("x", t));
    Value a = new Value("a", t);
    Value b = new Value("b", t);
    g.addNode(new Node("", "Add", "first", List.of(x, b), List.of(a), Map.of()));
    g.addNode(new Node("", "Relu", "second", List.of(a), List.of(b), Map.of()));
    assertTrue(firstProblem(g).contains("%b is used before it is defined (cycle or bad order)"));

    Graph h = new Graph("h");
    Value y = h.addInput(new Value("y", t));
    h.addNode(new Node("", "Relu", "r", List.of(new Value("ghost", t)), List.of(new Value("z", t)), Map.of()));
    assertTrue(firstProblem(h).contains("%ghost is not defined (dangling value)"));

    Graph d = new Graph("d");
    Value p = d.addInput(new Value("p", t));
    d.addNode(new Node("", "Relu", "r", List.of(p), List.of(new Value("p", t)), Map.of()));
    assertTrue(firstProblem(d).contains("duplicate value name"));
    assertEquals("y", y.name());
  }
}
