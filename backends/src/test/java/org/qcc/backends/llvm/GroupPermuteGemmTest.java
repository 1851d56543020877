package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GroupPermuteGemmTest {
  /** Three outputs over k = 8, 2:4: output j keeps the taps below, with values 10j + its k. */
  private static final int[][] TAPS = {{0, 3, 5, 6}, {1, 2, 4, 7}, {0, 1, 6, 7}};

  private static SparseRows rows(int[][] taps, long k) {
    int perRow = taps[0].length;
    float[] values = new float[taps.length * perRow];
    int[] flat = new int[values.length];
    for (int j = 0; j < taps.length; j++) {
      for (int t = 0; t < perRow; t++) {
        flat[j * perRow + t] = taps[j][t];
        values[j * perRow + t] = 10 * j + taps[j][t];
      }
    }
    return new SparseRows(taps.length, perRow, k, values, flat);
  }

  @Test
  void slotRowsHoldEachOutputsTermsInIncreasingKWithTheirPositionsInTheGroup() {
    GroupPermuteGemm.Weights w = GroupPermuteGemm.Weights.of(rows(TAPS, 8), 8).orElseThrow();
    assertEquals(2, w.layout().perGroup());
    assertEquals(0, w.layout().tailSlots());
    // One block of one vector (8 columns, 3 used) by 4 slot rows.
    assertEquals(32, w.values().length);
    for (int slot = 0; slot < 4; slot++) {
      for (int j = 0; j < 8; j++) {
        float value = j < 3 ? 10 * j + TAPS[j][slot] : 0f;
        int position = j < 3 ? TAPS[j][slot] % 4 : 0;
        assertEquals(value, w.values()[slot * 8 + j], "slot " + slot + " column " + j);
        assertEquals(position, w.positions()[slot * 8 + j], "slot " + slot + " column " + j);
      }
    }
  }

  @Test
  void aGroupOfTheLastKeptTermsFormsTheTail() {
    // 1:2 over k = 6: groups {0..3} keep two, the tail {4, 5} keeps one.
    GroupPermuteGemm.Weights w = GroupPermuteGemm.Weights.of(rows(new int[][] {{0, 3, 5}, {1, 2, 4}}, 6), 16).orElseThrow();
    assertEquals(1, w.layout().groups());
    assertEquals(2, w.layout().perGroup());
    assertEquals(1, w.layout().tailSlots());
    assertEquals(16 * 3, w.values().length);
    assertArrayEquals(new byte[] {1, 0}, new byte[] {w.positions()[32], w.positions()[33]});
  }

  @Test
  void structuresTheKernelCannotSelectFallBack() {
    // 2:8: the first group of four keeps two terms in output 0, one in output 1.
    assertTrue(GroupPermuteGemm.Weights.of(rows(new int[][] {{0, 1}, {2, 5}}, 8), 16).isEmpty());
    // The same count per output, but not per group.
    assertTrue(GroupPermuteGemm.Weights.of(rows(new int[][] {{0, 1, 2, 3}, {0, 1, 2, 3}}, 8), 16).isEmpty());
    // Four-float vectors have no lane to permute across (no AVX).
    assertTrue(GroupPermuteGemm.Weights.of(rows(TAPS, 8), 4).isEmpty());
  }
}
