// A format as the hardware multipliers decode it: significand width, shift range, code width.
package org.qcc.simulator.cost;

import org.qcc.ir.DiagnosticException;
import org.qcc.ir.formats.BipolarFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A code format's hardware widths, as hw-models' CodeFormat decodes it: every code becomes a
 * signed significand of {@code significandBits} shifted left by 0 to {@code maxShift}. An integer's
 * significand is its code (one bit more when unsigned), a minifloat's is its mantissa with the
 * hidden bit and sign, shifted by its exponent; a bipolar code is +-1.
 */
public record Operand(String format, int bits, int significandBits, int maxShift, int exponentBits) {
  /** The operand of qcc format {@code name}. */
  public static Operand of(String name) {
    ScalarFormat f = ElementFormats.scalar(name);
    if (f instanceof BipolarFormat) {
      return new Operand(name, 1, 2, 0, 0);
    }
    if (f instanceof IntFormat i) {
      return new Operand(name, i.bits(), i.signed() ? i.bits() : i.bits() + 1, 0, 0);
    }
    if (f instanceof Minifloat m) {
      return new Operand(name, m.bits(), m.manBits() + 2, (1 << m.expBits()) - 2, m.expBits());
    }
    throw new DiagnosticException(name, "the hardware multipliers do not take this format (bipolar, integers and minifloats)");
  }

  public boolean floating() {
    return maxShift > 0;
  }

  /** Bits of the shift amount: 0 for an integer. */
  public int shiftBits() {
    return maxShift == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(maxShift);
  }

  /** Bits that hold any exact product of a code of {@code a} and one of {@code b} (DotProductUnit.productBits). */
  public static int productBits(Operand a, Operand b) {
    return a.significandBits + b.significandBits + a.maxShift + b.maxShift;
  }
}
