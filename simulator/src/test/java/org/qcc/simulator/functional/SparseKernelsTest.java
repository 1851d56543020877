// The golden semantics of layers over N:M sparse weights: pruned products are absent from the sums.
package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;

class SparseKernelsTest {
  /** One layer over a 2:4 weight that keeps positions 1 and 2 of its reduction group, with values 0.25 and 5. */
  private static String model(String layer, String xType, String wShape, String axis, String vShape) {
    return "graph \"g\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32" + xType + "\n"
        + "  const %v: fp32" + vShape + " = [0.25, 5.0]\n"
        + "  const %i: uint8" + vShape + " = [1, 2]\n"
        + "  %w: fp32" + wShape + " = qcc.Densify(%v, %i) {axis = " + axis + ", m = 4, n = 2} loc(\"sparse\")\n"
        + "  " + layer + "\n"
        + "  output %y\n}\n";
  }

  private static float run(String qir, float... x) {
    int[] shape = qir.contains("Conv") ? new int[] {1, 4, 1, 1} : new int[] {1, 4};
    Tensor y = new Interpreter(QirParser.parse(qir, "sparse.qir")).run(List.of(new FloatTensor(FloatFormat.FP32, shape, x))).get(0);
    assertEquals(1, y.size());
    return (float) y.getDouble(0);
  }

  private static final String MATMUL = model("%y: fp32[1,1] = MatMul(%x, %w) loc(\"mm\")", "[1,4]", "[4,1]", "0", "[2,1]");
  private static final String GEMM = model("%y: fp32[1,1] = Gemm(%x, %w) {transB = 1} loc(\"fc\")", "[1,4]", "[1,4]", "1", "[1,2]");
  private static final String CONV = model("%y: fp32[1,1,1,1] = Conv(%x, %w) loc(\"conv\")", "[1,4,1,1]", "[1,4,1,1]", "1", "[1,2,1,1]");

  @Test
  void anInfinityOrNaNAtAPrunedPositionDoesNotReachTheOutput() {
    for (String qir : List.of(MATMUL, GEMM, CONV)) {
      assertEquals(10.25f, run(qir, Float.POSITIVE_INFINITY, 1f, 2f, Float.NaN));
      assertEquals(10.25f, run(qir, Float.NaN, 1f, 2f, Float.NEGATIVE_INFINITY));
      assertTrue(Float.isNaN(run(qir, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f)), "kept products still follow IEEE rules");
    }
  }

  @Test
  void aNegativeZeroSumIsNotTurnedPositiveByAPrunedZeroProduct() {
    // The smallest subnormal times 0.25 rounds to -0; -0 x 5 adds -0.
    for (String qir : List.of(MATMUL, GEMM, CONV)) {
      float y = run(qir, 7f, -Float.MIN_VALUE, -0f, 9f);
      assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(y), "a pruned 9 x 0 would have added +0");
    }
  }

  @Test
  void positionsThatDoNotIncreaseAreRejectedWithTheDensifyNamed() {
    String bad = MATMUL.replace("[1, 2]", "[2, 2]");
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Interpreter(QirParser.parse(bad, "bad.qir")));
    assertTrue(e.getMessage().contains("'sparse' (qcc.Densify)") && e.getMessage().contains("increasing position"), e.getMessage());
  }
}
