// Property tests of every rounding mode on representative formats: order, sign, idempotence, error.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class RoundingPropertiesTest {
  private static final ScalarFormat[] FORMATS = {
    Minifloat.FP8_E4M3, Minifloat.FP8_E5M2, Minifloat.FP6_E3M2, Minifloat.FP4_E2M1, Minifloat.FP16,
    (ScalarFormat) ElementFormats.parse("e3m3b2fin_nosub"), IntFormat.INT8, new IntFormat(4, true, true), new IntFormat(3, false, false)
  };
  private static final Rounding[] DETERMINISTIC = {
    Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY, Rounding.TOWARD_ZERO, Rounding.FLOOR, Rounding.CEIL
  };

  @Provide
  Arbitrary<ScalarFormat> format() {
    return Arbitraries.of(FORMATS);
  }

  @Provide
  Arbitrary<Rounding> mode() {
    return Arbitraries.of(DETERMINISTIC);
  }

  /** Values across the ranges of all the formats, with plenty near zero and near the maxima. */
  @Provide
  Arbitrary<Double> value() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-600, 600).ofScale(6),
        Arbitraries.doubles().between(-2, 2).ofScale(12),
        Arbitraries.doubles().between(-1e-3, 1e-3).ofScale(15),
        Arbitraries.of(0.0, -0.0, 448.0, 464.0, 6.0, 5.0, 0.25, 127.5, -128.5));
  }

  @Property(tries = 3000)
  void monotone(@ForAll("format") ScalarFormat f, @ForAll("mode") Rounding r, @ForAll("value") double a, @ForAll("value") double b) {
    double lo = Math.min(a, b);
    double hi = Math.max(a, b);
    assertTrue(f.quantize(lo, r, 0) <= f.quantize(hi, r, 0), () -> f.name() + " " + r + " " + lo + " " + hi);
  }

  @Property(tries = 3000)
  void symmetricForSymmetricModes(@ForAll("format") ScalarFormat f, @ForAll("value") double x) {
    if (f.minValue() != -f.maxValue()) {
      return; // int8 and unsigned ranges are not symmetric
    }
    for (Rounding r : new Rounding[] {Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY, Rounding.TOWARD_ZERO}) {
      assertEquals(Math.abs(f.quantize(x, r, 0)), Math.abs(f.quantize(-x, r, 0)), () -> f.name() + " " + r + " " + x);
    }
    assertEquals(f.quantize(x, Rounding.FLOOR, 0), -f.quantize(-x, Rounding.CEIL, 0), 0.0);
  }

  @Property(tries = 3000)
  void idempotent(@ForAll("format") ScalarFormat f, @ForAll("mode") Rounding r, @ForAll("value") double x) {
    float q = f.quantize(x, r, 0);
    assertEquals(q, f.quantize(q, r, 0), () -> f.name() + " " + r + " " + x);
  }

  @Property(tries = 3000)
  void errorBoundedByTheLocalStep(@ForAll("format") ScalarFormat f, @ForAll("mode") Rounding r, @ForAll("value") double x) {
    if (x > f.maxValue() || x < f.minValue()) {
      return; // saturation: the error is the distance to the range, not a rounding error
    }
    float q = f.quantize(x, r, 0);
    double step = step(f, x);
    double err = Math.abs(q - x);
    boolean nearest = r == Rounding.NEAREST_EVEN || r == Rounding.NEAREST_AWAY;
    assertTrue(err <= (nearest ? step / 2 : step), () -> f.name() + " " + r + " " + x + " -> " + q + " step " + step);
    if (r == Rounding.FLOOR) {
      assertTrue(q <= x);
    } else if (r == Rounding.CEIL) {
      assertTrue(q >= x);
    } else if (r == Rounding.TOWARD_ZERO) {
      assertTrue(Math.abs(q) <= Math.abs(x));
    }
  }

  @Property(tries = 500)
  void stochasticRoundingPicksANeighbourAndIsUnbiased(@ForAll("format") ScalarFormat f, @ForAll("value") double x) {
    if (x >= f.maxValue() || x <= f.minValue()) {
      return;
    }
    float down = f.quantize(x, Rounding.FLOOR, 0);
    float up = f.quantize(x, Rounding.CEIL, 0);
    double sum = 0;
    int n = 4000;
    for (int i = 0; i < n; i++) {
      float q = f.quantize(x, Rounding.STOCHASTIC, Rounding.randomBits(99, i));
      assertTrue(q == down || q == up, () -> f.name() + " " + x + " -> " + q);
      sum += q;
    }
    double tolerance = 5 * (up - down) / Math.sqrt(n) + 1e-12;
    double mean = sum / n;
    assertTrue(Math.abs(mean - x) <= tolerance, () -> f.name() + " mean " + mean + " for " + x);
  }

  /** The distance between the representable neighbours around x. */
  private static double step(ScalarFormat f, double x) {
    return f.quantize(x, Rounding.CEIL, 0) - f.quantize(x, Rounding.FLOOR, 0);
  }
}
