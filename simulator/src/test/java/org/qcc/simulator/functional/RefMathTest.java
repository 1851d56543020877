package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RefMathTest {
  /** Distance in ulps between two finite doubles of the same sign. */
  private static long ulps(double a, double b) {
    return Math.abs(Double.doubleToLongBits(a) - Double.doubleToLongBits(b));
  }

  @Test
  void expIsWithinTwoUlpsOfFdlibmOverItsWholeRange() {
    SplittableRandom r = new SplittableRandom(7);
    long worst = 0;
    for (int i = 0; i < 200_000; i++) {
      double x = i % 2 == 0 ? r.nextDouble(-745, 709.78) : r.nextDouble(-30, 30);
      worst = Math.max(worst, ulps(RefMath.exp(x), StrictMath.exp(x)));
    }
    assertTrue(worst <= 2, "worst " + worst + " ulps");
  }

  @Test
  void expSpecialValues() {
    assertEquals(1.0, RefMath.exp(0.0));
    assertEquals(1.0, RefMath.exp(-0.0));
    assertEquals(Double.POSITIVE_INFINITY, RefMath.exp(710));
    assertEquals(Double.POSITIVE_INFINITY, RefMath.exp(Double.POSITIVE_INFINITY));
    assertEquals(0.0, RefMath.exp(Double.NEGATIVE_INFINITY));
    assertEquals(0.0, RefMath.exp(-746));
    assertTrue(Double.isNaN(RefMath.exp(Double.NaN)));
    assertEquals(Double.MIN_VALUE, RefMath.exp(-744.5), 0.0);
    assertTrue(RefMath.exp(709.78) < Double.POSITIVE_INFINITY);
    // Subnormal results: one rounding, so within an ulp of fdlibm's.
    for (double x = -740; x > -745; x -= 0.37) {
      assertTrue(ulps(RefMath.exp(x), StrictMath.exp(x)) <= 1, "x = " + x);
    }
  }

  /** erf by its Maclaurin series in exact decimal arithmetic, for reference. */
  private static double exactErf(double x) {
    java.math.MathContext mc = new java.math.MathContext(40);
    java.math.BigDecimal bx = new java.math.BigDecimal(x);
    java.math.BigDecimal x2 = bx.multiply(bx, mc);
    java.math.BigDecimal term = bx;
    java.math.BigDecimal sum = bx;
    for (int n = 1; n < 400; n++) {
      term = term.multiply(x2, mc).negate().divide(java.math.BigDecimal.valueOf(n), mc);
      sum = sum.add(term.divide(java.math.BigDecimal.valueOf(2L * n + 1), mc), mc);
    }
    java.math.BigDecimal twoOverRootPi = new java.math.BigDecimal("1.128379167095512573896158903121545171688101258657997713688171443418");
    return sum.multiply(twoOverRootPi, mc).doubleValue();
  }

  @Test
  void erfIsWithinAFewUlpsOfTheExactSeries() {
    SplittableRandom r = new SplittableRandom(11);
    long worst = 0;
    for (int i = 0; i < 2_000; i++) {
      double x = i < 1_000 ? r.nextDouble(0, 4.5) : r.nextDouble(0, 0.2);
      worst = Math.max(worst, ulps(RefMath.erf(x), exactErf(x)));
      assertEquals(-RefMath.erf(x), RefMath.erf(-x));
    }
    assertTrue(worst <= 8, "worst " + worst + " ulps");
  }

  @Test
  void erfSpecialValuesAndFloatResults() {
    assertEquals(0.0, RefMath.erf(0.0));
    assertEquals(-0.0, RefMath.erf(-0.0));
    assertEquals(1.0, RefMath.erf(Double.POSITIVE_INFINITY));
    assertEquals(-1.0, RefMath.erf(-7));
    assertTrue(Double.isNaN(RefMath.erf(Double.NaN)));
    assertEquals(1e-30 * 1.1283791670955126, RefMath.erf(1e-30), 1e-45);
    // Just below the limit the nearest centre is the limit itself.
    assertEquals(1.0, RefMath.erf(Math.nextDown(RefMath.ERF_LIMIT)));
    assertEquals(1.0, RefMath.erf(RefMath.ERF_LIMIT - RefMath.ERF_STEP / 3));
    // Every fp32 result over the range GELU sees agrees with the exactly rounded one, or is its neighbour.
    for (float x = -6f; x <= 6f; x += 0.00390625f) {
      float got = (float) RefMath.erf(x);
      float want = (float) exactErf(x);
      assertTrue(Math.abs(Float.floatToIntBits(got) - Float.floatToIntBits(want)) <= 1, "x = " + x);
    }
  }
}
