// Every code of every scalar format of at most 8 bits against the reference implementation.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ScalarFormatExhaustiveTest {
  private static final Rounding[] DETERMINISTIC = {
    Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY, Rounding.TOWARD_ZERO, Rounding.FLOOR, Rounding.CEIL
  };

  /** Presets, plus every minifloat shape up to 8 bits under every policy and a few biases. */
  static Stream<ScalarFormat> formats() {
    List<ScalarFormat> all = new ArrayList<>();
    for (ElementFormat f : ElementFormats.presets()) {
      if (f instanceof ScalarFormat s && s.bits() <= 8) {
        all.add(s);
      }
    }
    for (int bits = 1; bits <= 8; bits++) {
      all.add(new IntFormat(bits, true, false));
      all.add(new IntFormat(bits, false, false));
      if (bits >= 2) {
        all.add(new IntFormat(bits, true, true));
      }
    }
    for (boolean signed : new boolean[] {true, false}) {
      for (int e = 1; e <= 8; e++) {
        for (int m = 0; e + m + (signed ? 1 : 0) <= 8; m++) {
          for (Minifloat.Specials sp : Minifloat.Specials.values()) {
            for (int biasShift : new int[] {0, -2, 3}) {
              for (boolean sub : new boolean[] {true, false}) {
                for (boolean sat : new boolean[] {true, false}) {
                  try {
                    all.add(new Minifloat(e, m, Minifloat.defaultBias(e, sp) + biasShift, signed, sub, sp, sat));
                  } catch (IllegalArgumentException impossible) {
                    // e.g. IEEE without mantissa bits, fnuz without a sign: rejected by design
                  }
                }
              }
            }
          }
        }
      }
    }
    return all.stream().distinct();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void everyCodeDecodesAsDefinedAndRoundTrips(ScalarFormat f) {
    ReferenceFormat ref = new ReferenceFormat(f);
    for (int code = 0; code < f.codeCount(); code++) {
      final int c = code;
      double want = ref.value(c);
      float got = f.decode(c);
      if (Double.isNaN(want)) {
        assertTrue(Float.isNaN(got), () -> f.name() + " code " + c);
        continue;
      }
      assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got), () -> f.name() + " code " + c + " want " + want + " got " + got);
      if (f.isCanonical(c)) {
        assertEquals(c, f.encode(got), () -> f.name() + ": encode(decode(" + c + "))");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("formats")
  void quantizeMatchesTheReferenceForEveryRounding(ScalarFormat f) {
    ReferenceFormat ref = new ReferenceFormat(f);
    for (double x : ref.probes()) {
      for (Rounding r : DETERMINISTIC) {
        double want = ref.quantize(x, r);
        float got = f.quantize(x, r, 0);
        if (Double.isNaN(want) ? !Float.isNaN(got) : Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
          fail(f.name() + " " + r + " quantize(" + x + "): want " + want + " got " + got);
        }
        float viaCode = f.decode(f.encode(x, r, 0));
        if (Float.isNaN(got) ? !Float.isNaN(viaCode) : Float.floatToIntBits(got) != Float.floatToIntBits(viaCode)) {
          fail(f.name() + " " + r + " decode(encode(" + x + ")) = " + viaCode + " but quantize gives " + got);
        }
      }
    }
  }
}
