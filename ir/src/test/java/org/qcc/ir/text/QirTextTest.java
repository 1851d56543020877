// Tests of the .qir printer and parser: round trips and located errors.
package org.qcc.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.ir.Dim;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Shape;
import org.qcc.ir.Verifier;

class QirTextTest {
  static String resource(String name) throws IOException {
    try (var in = QirTextTest.class.getResourceAsStream("/qir/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void printedTextIsTheInputText() throws IOException {
    String text = resource("small.qir");
    Graph g = QirParser.parse(text, "small.qir");
    assertEquals(text, QirPrinter.print(g));
  }

  @Test
  void parsedGraphVerifiesAndKeepsSymbolicDims() throws IOException {
    Graph g = QirParser.parse(resource("small.qir"), "small.qir");
    assertEquals(List.of(), Verifier.standard().verify(g));
    assertEquals(Shape.of(List.of(Dim.symbol("N"), Dim.of(2))), g.outputs().get(0).type().shape());
    assertTrue(Float.isNaN((float) g.constants().values().stream().toList().get(1).getDouble(1)));
  }

  @Test
  void largeTensorsRoundTripThroughBase64() {
    StringBuilder sb = new StringBuilder("graph \"g\" {\n  const %c: int16[20] = [");
    for (int i = 0; i < 20; i++) {
      sb.append(i > 0 ? ", " : "").append(i * 1000 - 9000);
    }
    sb.append("]\n  output %c\n}\n");
    Graph g = QirParser.parse(sb.toString(), "t");
    String printed = QirPrinter.print(g);
    assertTrue(printed.contains("base64"), printed);
    Graph again = QirParser.parse(printed, "t2");
    assertEquals(printed, QirPrinter.print(again));
    assertEquals(10000, again.constants().values().iterator().next().getLong(19));
  }

  @Test
  void syntaxErrorsNameLineAndColumn() {
    DiagnosticException e =
        assertThrows(DiagnosticException.class, () -> QirParser.parse("graph \"g\" {\n  input %x fp32[1]\n}\n", "bad.qir"));
    assertTrue(e.getMessage().startsWith("bad.qir:2:"), e.getMessage());
  }

  @Test
  void unknownFormatAndUseBeforeDefinitionAreLocated() {
    DiagnosticException f =
        assertThrows(DiagnosticException.class, () -> QirParser.parse("graph \"g\" {\n  input %x: fp99[1]\n}\n", "f.qir"));
    assertTrue(f.getMessage().contains("f.qir:2:13") && f.getMessage().contains("fp99"), f.getMessage());
    DiagnosticException u =
        assertThrows(
            DiagnosticException.class,
            () -> QirParser.parse("graph \"g\" {\n  %y: fp32[1] = Relu(%x) loc(\"r\")\n}\n", "u.qir"));
    assertTrue(u.getMessage().contains("%x is used before it is defined"), u.getMessage());
  }

  @Test
  void literalCountMustMatchShape() {
    DiagnosticException e =
        assertThrows(DiagnosticException.class, () -> QirParser.parse("graph \"g\" {\n  const %c: fp32[3] = [1.0, 2.0]\n}\n", "c.qir"));
    assertTrue(e.getMessage().contains("needs 3 values, got 2"), e.getMessage());
  }
}
