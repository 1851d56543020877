// The cost model's features: where memories go, what DSPs take, and what folds into LUT multipliers.
package org.qcc.simulator.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cycle.Dataflow;

class LayerFeaturesTest {
  private static final CostFit.Traits XC7 = CostFit.traits("xc7");
  private static final CostFit.Traits ICE40 = CostFit.traits("ice40");

  /** A last fully-connected stage: {@code rows x cols} weights folded by PE and SIMD. */
  private static Dataflow.Stage fc(int rows, int cols, int pe, int simd, String data, String weight) {
    return new Dataflow.Stage("fc", rows, cols, pe, simd, null, null, true, 0, false, -1, false, 0, 0, new Dataflow.Arithmetic(data, weight, 24, 0, 0, 0));
  }

  /**
   * On xc7 a weight ROM takes block RAM only when it holds more than 8 Kb per 18 Kb block it would
   * take, as yosys 0.23 chose in the calibration grid: 4 PEs' 1024 x 24-bit ROMs (24 Kb in two
   * blocks each) do; one 288 x 48-bit ROM (13.5 Kb in two 512 x 36 blocks) stays in LUTs, 5 LUT
   * words deep per bit. The iCE40 weighs 1 Kb of ROM logic against a 4 Kb block, so there the
   * same ROM takes six 256 x 16 blocks, and its 72 x 24-bit input buffer two more (on xc7 it stays
   * in distributed RAM: 1.7 Kb for an 18 Kb block).
   */
  @Test
  void romsGoToBlockRamOnlyWhenTheySaveEnoughLogic() {
    Map<String, Double> deep = LayerFeatures.of(fc(64, 256, 4, 4, "fp4_e2m1", "int6"), XC7);
    assertEquals(8.0, deep.get("memory_blocks"));
    assertEquals(0.0, deep.get("deep_rom_lut_bits"));
    Map<String, Double> wide = LayerFeatures.of(fc(8, 216, 1, 6, "int4", "int8"), XC7);
    assertEquals(48 * 5.0, wide.get("deep_rom_lut_bits"));
    assertEquals(0.0, wide.get("memory_blocks"));
    Map<String, Double> ice40 = LayerFeatures.of(fc(8, 216, 1, 6, "int4", "int8"), ICE40);
    assertEquals(0.0, ice40.get("deep_rom_lut_bits"));
    assertEquals(6.0 + 2.0, ice40.get("memory_blocks"));
  }

  /**
   * Significands of 9 bits together go to xc7 DSPs (int4 x int5: 4 + 5), narrower ones stay in
   * LUTs; the iCE40 has none. A shallow ROM's weights fold into LUT multipliers by its address bits.
   */
  @Test
  void dspsTakeWideMultipliersAndShallowRomsFoldIntoNarrowOnes() {
    assertEquals(16.0, LayerFeatures.of(fc(16, 64, 4, 4, "int4", "int5"), XC7).get("dsp_multipliers"));
    assertEquals(0.0, LayerFeatures.of(fc(16, 64, 4, 4, "int4", "int4"), XC7).get("dsp_multipliers"));
    assertEquals(0.0, LayerFeatures.of(fc(16, 64, 4, 4, "int4", "int5"), ICE40).get("dsp_multipliers"));
    // int4 x int4 from a 4 x 16 = 64-word ROM: 16 products of 3 magnitude bits by 3 (not 6) address bits.
    assertEquals(16 * 3 * 3.0, LayerFeatures.of(fc(16, 64, 4, 4, "int4", "int4"), XC7).get("addressed_multiplier_bits"));
    assertEquals(0.0, LayerFeatures.of(fc(16, 64, 4, 4, "int4", "int4"), XC7).get("multiplier_bits"));
  }

  /**
   * Block-scaled weights stored as narrow codes with a 3-bit shift per beat: each of the 4 PEs
   * shifts its 24-bit beat sum by up to 7 places, and every memory line holds the shift beside its
   * 4 codes (4 x 5 + 3 bits: 64 lines of 23 bits per PE, a LUT deep, so 23 ROM bits each).
   */
  @Test
  void beatShiftsCostAShifterPerPeAndTheirBitsInEveryLine() {
    Dataflow.Stage plain = fc(16, 64, 4, 4, "int4", "int5");
    Dataflow.Stage shifted = new Dataflow.Stage("fc", 16, 64, 4, 4, null, null, true, 0, false, -1, false, 0, 0, new Dataflow.Arithmetic("int4", "int5", 24, 0, 0, 0, 3));
    Map<String, Double> a = LayerFeatures.of(plain, XC7);
    Map<String, Double> b = LayerFeatures.of(shifted, XC7);
    assertEquals(4 * 24 * 3.0, b.get("shifter_bits") - a.get("shifter_bits"));
    assertEquals(4 * 23.0, b.get("rom_lut_bits"));
    assertEquals(4 * 20.0, a.get("rom_lut_bits"));
  }

  /** A stage from a manifest that predates the arithmetic record cannot be costed, and says so. */
  @Test
  void aStageWithoutArithmeticIsRefused() {
    Dataflow.Stage old = new Dataflow.Stage("fc", 8, 8, 1, 1, null, null, true, 0, false, -1, false, 0, 0, null);
    assertEquals("fc: the stage does not say what it computes with (compile the design again)", assertThrows(DiagnosticException.class, () -> LayerFeatures.of(old, XC7)).getMessage());
  }
}
