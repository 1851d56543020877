// The hardware generators' view of qcc's scalar formats.
package org.qcc.backends.rtl;

import java.util.Locale;
import org.qcc.backends.BackendException;
import org.qcc.hw.BipolarCodes$;
import org.qcc.hw.CodeFormat;
import org.qcc.hw.IntCodes;
import org.qcc.hw.MinifloatCodes;
import org.qcc.ir.formats.BipolarFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.ScalarFormat;

/** Maps a format of the formats library to the code format the Chisel multipliers decode. */
public final class HwFormats {
  private HwFormats() {}

  /** The codes of {@code f}; formats the multipliers cannot decode are a {@link BackendException}. */
  public static CodeFormat codes(ScalarFormat f) {
    if (f instanceof BipolarFormat) {
      return BipolarCodes$.MODULE$;
    }
    if (f instanceof IntFormat i && i.bits() <= 16) {
      return new IntCodes(i.bits(), i.signed());
    }
    if (f instanceof Minifloat m && m.bits() <= 16) {
      return new MinifloatCodes(m.expBits(), m.manBits(), m.signed(), m.subnormals(), policy(m.specials()));
    }
    throw new BackendException("the hardware multipliers do not take " + f.name() + " (bipolar, integers and minifloats of at most 16 bits)");
  }

  private static String policy(Minifloat.Specials s) {
    return switch (s) {
      case FINITE_NAN -> "fn";
      default -> s.name().toLowerCase(Locale.ROOT);
    };
  }
}
