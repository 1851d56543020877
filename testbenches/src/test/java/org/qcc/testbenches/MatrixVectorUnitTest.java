// The folded matrix-vector unit against the formats library, row by row, under back-pressure.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.HwFormats;
import org.qcc.hw.HwGenerators;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;

class MatrixVectorUnitTest extends VerilatorTest {
  private static final int VECTORS = 24;

  /** Formats, rows x cols, PE, SIMD (partly folded, fully folded and fully parallel), weights in memories or a ROM. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "int4", 8, 12, 2, 3, false),
        Arguments.of("int8", "int4", 8, 12, 2, 3, true),
        Arguments.of("e4m3fn", "e2m1", 6, 8, 3, 4, true),
        Arguments.of("bipolar", "bipolar", 4, 16, 1, 1, false),
        Arguments.of("uint4", "int8", 3, 5, 3, 5, true));
  }

  /**
   * {@value #VECTORS} random input vectors (NaN and infinities among minifloat activations) through
   * random weights: every row of every vector equals the formats library's exact dot product, in
   * order, with the output side stalling one cycle in three; the cycle count is the folded
   * schedule's (rows / PE) * (cols / SIMD) per vector, plus at most the output side's stalls, and
   * the cycle-level model counts it and the first vector's latency exactly.
   */
  @ParameterizedTest(name = "{0} x {1}, {2}x{3}, PE {4}, SIMD {5}, memories {6}")
  @MethodSource("configs")
  void everyRowEqualsTheFormatsLibrary(String aName, String bName, int rows, int cols, int pe, int simd, boolean memories) {
    ScalarFormat a = ElementFormats.scalar(aName);
    ScalarFormat b = ElementFormats.scalar(bName);
    SplittableRandom r = new SplittableRandom(rows * 100 + cols);
    int[][] weights = new int[rows][cols];
    for (int[] row : weights) {
      for (int k = 0; k < cols; k++) {
        row[k] = r.nextInt(b.codeCount());
      }
    }
    List<int[]> vectors = new ArrayList<>();
    for (int v = 0; v < VECTORS; v++) {
      int[] x = new int[cols];
      for (int k = 0; k < cols; k++) {
        x[k] = r.nextInt(a.codeCount());
      }
      vectors.add(x);
    }
    Accumulator acc = Accumulator.exact(a, b, cols).orElseThrow();
    MatrixVectorBench bench = MatrixVectorBench.build(work.resolve(aName + "_" + bName + "_" + pe + "_" + simd + "_" + memories), a, b, weights, pe, simd, acc.bits(), memories);
    MatrixVectorBench.Run run = bench.run(vectors);
    for (int v = 0; v < VECTORS; v++) {
      for (int row = 0; row < rows; row++) {
        int[][] pairs = {vectors.get(v), weights[row]};
        assertEquals(DotProductUnitTest.expected(a, b, acc, pairs), run.outputs().get(v).get(row), "vector " + v + " row " + row);
      }
    }
    long schedule = (long) VECTORS * (rows / pe) * (cols / simd);
    // The output side takes two beats in three, which only a unit producing a beat every cycle feels.
    assertTrue(run.cycles() >= schedule && run.cycles() <= schedule * 3 / 2 + 20, run.cycles() + " cycles for a schedule of " + schedule);
    Dataflow lone = new Dataflow(List.of(new Dataflow.Stage("unit", rows, cols, pe, simd, null, null, true, 0, false, -1, false, 0, 0, null)));
    CycleSimulator.Run model = CycleSimulator.run(lone, VECTORS, true);
    assertEquals(run.cycles(), model.cycles(), "cycles, the cycle-level model against Verilator");
    assertEquals(run.latency(), model.latency(), "latency, the cycle-level model against Verilator");
  }

  @Test
  void aFoldingThatDoesNotDivideTheLayerIsRefused() {
    int[][] weights = new int[6][8];
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HwGenerators.matrixVectorUnit(HwFormats.codes(ElementFormats.scalar("int8")), HwFormats.codes(ElementFormats.scalar("int8")), weights, 4, 2, 20, null));
    assertEquals("requirement failed: PE 4 must divide the 6 rows", e.getMessage());
  }
}
