// The energy estimate's counts and prices on small schedules, by hand.
package org.qcc.simulator.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.simulator.cycle.Dataflow;

class EnergyModelTest {
  private static EnergyModel.StageEnergy lone(String data, String weight, int acc, int n, int m) {
    Dataflow.Arithmetic a = new Dataflow.Arithmetic(data, weight, acc, n, m, 0);
    Dataflow.Stage s = new Dataflow.Stage("fc", 16, 32, 4, 8, null, null, true, 0, false, -1, false, 0, 0, a);
    return EnergyModel.perImage(new Dataflow(List.of(s))).stages().get(0);
  }

  /**
   * 16 x 32 int8 weights on int8 data, PE 4, SIMD 8: 16 steps of 32 products, 512 in all; each
   * multiply 0.2 pJ, each add into the 24-bit accumulator 0.075 pJ, 8 weight bits read per product,
   * and the input buffer written once (4 beats) and read once per neuron fold (16 beats) of 64 bits.
   */
  @Test
  void anInt8LayerCostsItsCountsTimesTheFigures() {
    EnergyModel.StageEnergy e = lone("int8", "int8", 24, 0, 0);
    assertEquals(512 * 0.2, e.multiply(), 1e-9);
    assertEquals(512 * 0.1 * 24 / 32, e.accumulate(), 1e-9);
    assertEquals(512 * 8 / 64.0 * 10, e.weights(), 1e-9);
    assertEquals((4 + 16) * 64 / 64.0 * 10, e.buffers(), 1e-9);
    assertEquals(0, e.requantize());
  }

  /** Narrower weights multiply for less and read fewer bits; 2:4 sparsity halves the products but reads positions too. */
  @Test
  void narrowAndSparseWeightsCostLess() {
    EnergyModel.StageEnergy int8 = lone("int8", "int8", 24, 0, 0);
    EnergyModel.StageEnergy int4 = lone("int8", "int4", 20, 0, 0);
    EnergyModel.StageEnergy sparse = lone("int8", "int8", 24, 2, 4);
    assertEquals(int8.multiply() / 2, int4.multiply(), 1e-9);
    assertEquals(int8.weights() / 2, int4.weights(), 1e-9);
    assertEquals(int8.multiply() / 2, sparse.multiply(), 1e-9);
    assertEquals(int8.weights() / 2 * (8 + 2) / 8, sparse.weights(), 1e-9);
    assertTrue(sparse.total() < int8.total());
  }

  /** A minifloat multiply is its significands' (hidden bits included) and an exponent add. */
  @Test
  void minifloatProductsPayForSignificandsAndExponents() {
    assertEquals(0.2 * 4 * 4 / 64 + 0.1 * 5 / 32, EnergyModel.multiply(ElementFormats.scalar("e4m3fn"), ElementFormats.scalar("e4m3fn")), 1e-12);
    assertEquals(0.2 * 2 * 2 / 64 + 0.1 * 3 / 32, EnergyModel.multiply(ElementFormats.scalar("e2m1"), ElementFormats.scalar("e2m1")), 1e-12);
    assertEquals(0.2 / 64, EnergyModel.multiply(ElementFormats.scalar("bipolar"), ElementFormats.scalar("bipolar")), 1e-12);
  }

  /** A hidden layer requantizes its outputs: a comparison per bit of the next codes, plus the float path's fp32 work. */
  @Test
  void requantizationIsPricedPerOutput() {
    Dataflow.Arithmetic a = new Dataflow.Arithmetic("int8", "int4", 20, 0, 0, 4);
    Dataflow.Stage plain = new Dataflow.Stage("fc1", 16, 32, 4, 8, null, null, false, 1, false, -1, false, 0, 0, a);
    Dataflow.Stage floats = new Dataflow.Stage("fc1", 16, 32, 4, 8, null, null, false, 1, true, -1, false, 0, 0, a);
    Dataflow.Stage last = new Dataflow.Stage("fc2", 4, 4, 1, 4, null, null, true, 0, false, -1, false, 0, 0, new Dataflow.Arithmetic("int4", "int4", 12, 0, 0, 0));
    double compare = 16 * 4 * 0.1 * 22 / 32;
    assertEquals(compare, EnergyModel.perImage(new Dataflow(List.of(plain, last))).stages().get(0).requantize(), 1e-9);
    assertEquals(compare + 16 * (3.7 + 0.9), EnergyModel.perImage(new Dataflow(List.of(floats, last))).stages().get(0).requantize(), 1e-9);
  }

  @Test
  void aStageWithoutArithmeticIsRefused() {
    Dataflow d = new Dataflow(List.of(new Dataflow.Stage("fc", 4, 4, 1, 4, null, null, true, 0, false, -1, false, 0, 0, null)));
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> EnergyModel.perImage(d));
    assertTrue(e.getMessage().contains("compile the design again"), e.getMessage());
  }
}
