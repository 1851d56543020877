// Block-scaled weight codes factored per beat: exact, and as narrow as the beats allow.
package org.qcc.backends.rtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qcc.backends.BackendException;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

class BeatShiftsTest {
  private static final IntFormat WIDE = new IntFormat(16, true, false);
  private static final ScalarFormat E2M1 = ElementFormats.scalar("fp4_e2m1");

  /** Codes of E2M1 magnitudes (on its half-step grid, 1..12) at block scales 2^0..2^9, blocks of 8 along a row. */
  private static int[][] blockScaled(Random r, int rows, int cols) {
    int[] e2m1 = {1, 2, 3, 4, 6, 8, 12};
    int[][] codes = new int[rows][cols];
    for (int i = 0; i < rows; i++) {
      int scale = 0;
      for (int k = 0; k < cols; k++) {
        scale = k % 8 == 0 ? r.nextInt(10) : scale;
        int v = r.nextInt(5) == 0 ? 0 : e2m1[r.nextInt(e2m1.length)] * (r.nextBoolean() ? 1 : -1) << scale;
        codes[i][k] = WIDE.encode(v);
      }
    }
    return codes;
  }

  @Test
  void everyWeightIsItsStoredCodeShiftedByItsBeatsShift() {
    Random r = new Random(3);
    for (int simd : new int[] {1, 2, 4, 8, 16, 32}) {
      int[][] wide = blockScaled(r, 6, 64);
      BeatShifts b = BeatShifts.of(wide, WIDE, simd, E2M1);
      assertEquals(64 / simd, b.shifts()[0].length);
      int lsb = Accumulator.lsbExponent(b.format());
      for (int i = 0; i < wide.length; i++) {
        for (int k = 0; k < wide[i].length; k++) {
          long stored = (long) Math.scalb((double) b.format().decode(b.codes()[i][k]), -lsb);
          assertEquals((long) WIDE.decode(wide[i][k]), stored << b.shifts()[i][k / simd], "weight " + i + "," + k + " at SIMD " + simd);
        }
      }
    }
  }

  @Test
  void beatsInsideBlocksKeepTheElementsWidth() {
    Random r = new Random(4);
    int[][] wide = blockScaled(r, 6, 64);
    // A beat inside a block shares its scale: its values are E2M1 elements, 4-bit codes where
    // integers take 5 (12 on E2M1's half-step grid, with the sign).
    for (int simd : new int[] {2, 4, 8}) {
      assertEquals(E2M1, BeatShifts.of(wide, WIDE, simd, E2M1).format(), "SIMD " + simd);
      assertEquals(new IntFormat(5, true, false), BeatShifts.of(wide, WIDE, simd, IntFormat.INT8).format(), "SIMD " + simd + " as integers");
    }
    // A lone weight keeps only its odd part, 1 or 3: 3-bit integers beat E2M1's 4 bits.
    assertEquals(new IntFormat(3, true, false), BeatShifts.of(wide, WIDE, 1, E2M1).format());
    // Beats across blocks keep the scales' spread in their codes, which no E2M1 holds.
    BeatShifts across = BeatShifts.of(wide, WIDE, 16, E2M1);
    assertTrue(across.format() instanceof IntFormat && across.format().bits() > 5, "SIMD 16 spans two blocks: " + across.format());
  }

  /**
   * MXFP4 rows of 1.0 and of 2^-32 (block scales 2^-2 and 2^-34): on the finer row's grid, 2^-35,
   * the other row's codes are 2^35, which the interpreter sums exactly in longs but the chain's int
   * codes cannot hold.
   */
  @Test
  void blockScalesSpreadBeyond31BitsAreRefusedByName() {
    String text = "graph \"g\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,32]\n"
        + "  const %sx: fp32[] = [0.1]\n"
        + "  const %w: fp32[2,32] = [" + "1.0, ".repeat(32) + "2.3283064e-10, ".repeat(31) + "2.3283064e-10]\n"
        + "  %xq: fp32[N,32] = qcc.FakeQuant(%x, %sx) {format = \"int8\"} loc(\"xq\")\n"
        + "  %wq: fp32[2,32] = qcc.FakeQuant(%w) {axis = 1, format = \"mxfp4_e2m1\"} loc(\"wq\")\n"
        + "  %y: fp32[N,2] = Gemm(%xq, %wq) {transB = 1} loc(\"fc\")\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, "spread");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    BackendException e = assertThrows(BackendException.class, () -> ChainPlan.of(g, 1, 1));
    assertEquals("node 'fc' (Gemm): its block-scaled weight needs 37-bit codes on one grid; the hardware chain takes at most 31", e.getMessage());
  }

  @Test
  void zeroBeatsAndUnshiftedWeightsNeedNoShift() {
    int[][] wide = {{0, 0, WIDE.encode(3), WIDE.encode(-5)}};
    BeatShifts b = BeatShifts.of(wide, WIDE, 2, IntFormat.INT8);
    assertArrayEquals(new int[] {0, 0}, b.shifts()[0]);
    assertEquals(0, b.shiftBits());
    assertEquals(4, b.format().bits());
  }
}
