// Which layers' weights the UP5K's single-port RAMs take: the largest first, while they last.
package org.qcc.backends.rtl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.simulator.cycle.Dataflow;

class WeightPlacementTest {
  /** A stage of {@code rows x cols} int4 weights (N:M sparse given {@code n} above 0) folded by {@code pe} and {@code simd}, requantizing to int4 unless {@code last}. */
  private static Dataflow.Stage stage(int rows, int cols, int pe, int simd, int n, int m, boolean last) {
    return new Dataflow.Stage("fc" + rows, rows, cols, pe, simd, null, null, last, 0, false, -1, false, 0, 0, new Dataflow.Arithmetic("int4", "int4", 20, n, m, last ? 0 : 4));
  }

  private static Dataflow.Stage stage(int rows, int cols, int pe, int simd, boolean last) {
    return stage(rows, cols, pe, simd, 0, 0, last);
  }

  private static Dataflow.Stage stage(int rows, int cols, int pe, int simd, int n, int m) {
    return stage(rows, cols, pe, simd, n, m, true);
  }

  private static Dataflow.Stage stage(int rows, int cols, int pe, int simd) {
    return stage(rows, cols, pe, simd, 0, 0);
  }

  private static List<Integer> placed(int spram, Dataflow.Stage... stages) {
    return WeightPlacement.place(new Dataflow(Arrays.asList(stages)), spram).stages().stream().map(Dataflow.Stage::spramBlocks).toList();
  }

  @Test
  void singlePortRamsCountALineInSixteenBitSlicesAndItsLinesInSixteenKs() {
    // A 16-bit line, 6,272 lines: one RAM.
    assertEquals(1, WeightPlacement.spramBlocks(stage(32, 784, 1, 4)));
    // 64-bit lines: four side by side.
    assertEquals(4, WeightPlacement.spramBlocks(stage(64, 1024, 1, 16)));
    // Per PE a 20-bit line (two RAMs) over 20,000 lines (two deep): 4 each, 8 for both PEs.
    assertEquals(8, WeightPlacement.spramBlocks(stage(40, 5000, 2, 5)));
    // 2:4 sparse, SIMD 8: 4 kept weights of 4 bits and 2-bit positions, a 24-bit line.
    assertEquals(24, stage(32, 784, 1, 8, 2, 4).weightLineBits());
    assertEquals(2, WeightPlacement.spramBlocks(stage(32, 784, 1, 8, 2, 4)));
  }

  @Test
  void theLargestLayersGoFirstWhileTheRamsLast() {
    // 784-256-64-10 at PE 1: 802,816 weight bits in 64-bit lines, 65,536 in 4-bit lines, then 2,560.
    Dataflow.Stage fc1 = stage(256, 784, 1, 16, false);
    Dataflow.Stage fc2 = stage(64, 256, 1, 1, false);
    Dataflow.Stage fc3 = stage(10, 64, 1, 1, true);
    assertEquals(List.of(4, 0, 0), placed(4, fc1, fc2, fc3), "fc1 takes all four");
    assertEquals(List.of(4, 1, 0), placed(5, fc1, fc2, fc3));
    assertEquals(List.of(0, 1, 0), placed(3, fc1, fc2, fc3), "fc1 does not fit; fc2 does");
    assertEquals(List.of(0, 0, 0), placed(0, fc1, fc2, fc3));
  }

  @Test
  void aDesignThatLoadsNothingSaysWhy() {
    Dataflow wide = WeightPlacement.place(new Dataflow(List.of(stage(256, 784, 8, 16))), 4);
    assertEquals("the largest weights, fc256's, would take 32 of the 4 at PE 8 and SIMD 16 (8 x 1568 lines of 64 bits; a RAM is 16K lines of 16 bits): fold narrower with --pe and --simd",
        WeightPlacement.whyNoneLoaded(wide, 4));
    assertEquals("no layer holds 16 Kb of weights, which block RAM keeps", WeightPlacement.whyNoneLoaded(WeightPlacement.place(new Dataflow(List.of(stage(8, 64, 1, 4))), 4), 4));
    assertEquals(null, WeightPlacement.whyNoneLoaded(WeightPlacement.place(new Dataflow(List.of(stage(32, 784, 1, 4))), 4), 4), "one is loaded");
    assertEquals(null, WeightPlacement.whyNoneLoaded(wide, 0), "none were asked for");
  }

  @Test
  void smallLayersAndOneLineRomsStayBuiltIn() {
    // 16 Kb exactly (64 x 64 x 4 bits) earns a RAM; a row less does not.
    assertEquals(List.of(1), placed(4, stage(64, 64, 1, 4)));
    assertEquals(List.of(0), placed(4, stage(63, 64, 1, 4)));
    // 64 Kb in one line per PE.
    assertEquals(List.of(0), placed(4, stage(4, 4096, 4, 4096)));
  }
}
