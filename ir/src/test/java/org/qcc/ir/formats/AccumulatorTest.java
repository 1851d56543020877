package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exhaustive over every pair of codes quantization produces: products land on the grid and the width is exactly enough. */
class AccumulatorTest {
  private static final List<String> FORMATS =
      List.of("int2", "int3", "int4", "int8", "uint4", "uint8", "int8n", "bipolar", "fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "e4m3fn", "e5m2", "e4m3fnuz", "e3m2_nosub");

  private static ScalarFormat f(String name) {
    return (ScalarFormat) ElementFormats.parse(name);
  }

  @Test
  void everyProductIsAnIntegerInTheAccumulatorsUnitAndTheWidthIsTight() {
    for (String an : FORMATS) {
      for (String bn : FORMATS) {
        ScalarFormat a = f(an);
        ScalarFormat b = f(bn);
        for (long terms : new long[] {1, 3, 800}) {
          Accumulator acc = Accumulator.exact(a, b, terms).orElseThrow();
          BigInteger lo = null;
          BigInteger hi = null;
          for (int ca = 0; ca < a.codeCount(); ca++) {
            double va = a.decode(ca);
            if (!a.isCanonical(ca) || a.isNaN(ca) || Double.isInfinite(va)) {
              continue;
            }
            for (int cb = 0; cb < b.codeCount(); cb++) {
              double vb = b.decode(cb);
              if (!b.isCanonical(cb) || b.isNaN(cb) || Double.isInfinite(vb)) {
                continue;
              }
              double units = Math.scalb(va * vb, -acc.lsbExponent()); // exact: at most 2 x 24 significant bits
              assertEquals(Math.rint(units), units, an + " x " + bn + ": " + va + " * " + vb + " is off the grid");
              BigInteger p = new java.math.BigDecimal(units).toBigIntegerExact();
              lo = lo == null ? p : lo.min(p);
              hi = hi == null ? p : hi.max(p);
            }
          }
          BigInteger k = BigInteger.valueOf(terms);
          BigInteger min = BigInteger.ONE.shiftLeft(acc.bits() - 1).negate();
          BigInteger max = BigInteger.ONE.shiftLeft(acc.bits() - 1).subtract(BigInteger.ONE);
          String what = an + " x " + bn + " x " + terms + " in " + acc;
          assertTrue(lo.multiply(k).compareTo(min) >= 0 && hi.multiply(k).compareTo(max) <= 0, what + " overflows");
          BigInteger minLess = BigInteger.ONE.shiftLeft(acc.bits() - 2).negate();
          BigInteger maxLess = BigInteger.ONE.shiftLeft(acc.bits() - 2).subtract(BigInteger.ONE);
          assertTrue(lo.multiply(k).compareTo(minLess) < 0 || hi.multiply(k).compareTo(maxLess) > 0, what + " is wider than needed");
        }
      }
    }
  }

  @Test
  void knownWidths() {
    // int8 x int8: (-128)(-128) = 2^14 per term; 800 terms need 2^14 * 800 < 2^24, plus sign.
    assertEquals(new Accumulator(25, 0), Accumulator.exact(f("int8"), f("int8"), 800).orElseThrow());
    // Narrow int8 (-127..127): 127^2 * 800 = 12,903,200 < 2^24.
    assertEquals(new Accumulator(25, 0), Accumulator.exact(f("int8n"), f("int8n"), 800).orElseThrow());
    assertEquals(new Accumulator(15, 0), Accumulator.exact(f("int8n"), f("int8n"), 1).orElseThrow());
    // E4M3: steps of 2^-9, largest 448 = 7 * 2^6 -> 229376 units; the product 2^-18 units, up to 448^2 * 2^18.
    Accumulator e4m3 = Accumulator.exact(f("e4m3fn"), f("e4m3fn"), 1).orElseThrow();
    assertEquals(-18, e4m3.lsbExponent());
    assertEquals(BigInteger.valueOf(229376).pow(2).bitLength() + 1, e4m3.bits());
    assertTrue(Accumulator.exact(f("int8"), ElementFormats.parse("int32") instanceof ScalarFormat s ? s : null, 1).isEmpty());
  }
}
