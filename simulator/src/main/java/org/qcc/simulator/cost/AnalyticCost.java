// The operator-level analytic LUT model of minifloat-vs-integer FPGA studies, the baseline the fitted model is compared with.
package org.qcc.simulator.cost;

import org.qcc.simulator.cycle.Dataflow;

/**
 * LUTs of a layer as the sum of its multiply-accumulate operators, each priced from its bit widths
 * alone, the way post-training quantization studies compare integer and minifloat formats on FPGAs
 * (e.g. Aggarwal et al., "Shedding the Bits: Pushing the Boundaries of Quantization with Minifloats
 * on FPGAs", FPL 2024): a multiplier costs one LUT per partial-product bit of its significands
 * (mantissa and hidden bit for a minifloat), a minifloat product adds its exponents and shifts its
 * significand product into fixed point (one 2:1 multiplexer per bit and shift level), and every
 * product is accumulated by an adder of the accumulator's width, one LUT per bit. Memories,
 * control, thresholds and the adder tree's layout are not in it; that is the difference the fitted
 * model measures.
 */
public final class AnalyticCost {
  private AnalyticCost() {}

  /** LUTs of one multiply-accumulate of a code of {@code a} and one of {@code b} into {@code accumulatorBits}. */
  public static double mac(Operand a, Operand b, int accumulatorBits) {
    int sa = magnitudeBits(a);
    int sb = magnitudeBits(b);
    double luts = (double) sa * sb + accumulatorBits;
    if (a.floating() || b.floating()) {
      luts += Math.max(a.exponentBits(), b.exponentBits()) + 1;
      luts += (double) (sa + sb) * (a.shiftBits() + b.shiftBits());
    }
    return luts;
  }

  /** LUTs of stage {@code s}'s multiply-accumulate operators. */
  public static double luts(Dataflow.Stage s) {
    Dataflow.Arithmetic a = s.requireArithmetic();
    return (double) s.pe() * s.lanes() * mac(Operand.of(a.dataFormat()), Operand.of(a.weightFormat()), a.accumulatorBits());
  }

  /** The multiplier's input width: an integer's bits, a minifloat's mantissa and hidden bit. */
  private static int magnitudeBits(Operand o) {
    return o.floating() ? o.significandBits() - 1 : o.bits();
  }
}
