// exp and erf as the golden model defines them: fixed sequences of IEEE double operations.
package org.qcc.simulator.functional;

import java.math.BigDecimal;

/**
 * {@code Math.exp} may differ by an ulp between JVMs and platforms, and no library's erf can be
 * reproduced by generated code, so the golden model computes both with algorithms written down
 * here: range reduction, then a polynomial by fused multiply-adds (each rounded once, as IEEE
 * defines). Compiled backends emit the same operations on the same constants and so agree bit for
 * bit. Both are accurate to a few double ulps, far below the fp32 rounding of their results.
 */
public final class RefMath {
  /** Above this, e^x overflows a double. */
  public static final double EXP_OVERFLOW = 709.782712893384;

  /** Below this, e^x is under half the smallest subnormal double. */
  public static final double EXP_UNDERFLOW = -745.2;

  public static final double LOG2E = 1.4426950408889634;

  /** ln 2 as a double, and the rest of ln 2 below it. */
  public static final double LN2_HI = 0.6931471805599453;

  public static final double LN2_LO = new BigDecimal("0.69314718055994530941723212145817656807550013436").subtract(new BigDecimal(LN2_HI)).doubleValue();

  /** Taylor coefficients of e^r, highest degree first: |r| <= ln2/2 needs degree 13 for 1e-17. */
  public static final double[] EXP_POLY = expPoly(13);

  /** erf is a Taylor polynomial around the nearest multiple of this... */
  public static final double ERF_STEP = 0.0625;

  /** ...up to this; above it erf is 1.0 in double. */
  public static final double ERF_LIMIT = 6.125;

  /** Coefficients per polynomial, highest degree first. */
  public static final int ERF_TERMS = 10;

  /** ERF_TERMS coefficients for each centre 0, ERF_STEP, 2 ERF_STEP, ..., ERF_LIMIT. */
  public static final double[] ERF_POLY = erfPoly();

  private RefMath() {}

  /** e^x: x = k ln2 + r, e^r by its Taylor polynomial, times 2^k applied in two halves so that a subnormal result rounds once. */
  public static double exp(double x) {
    if (x != x) {
      return x;
    }
    if (x > EXP_OVERFLOW) {
      return Double.POSITIVE_INFINITY;
    }
    if (x < EXP_UNDERFLOW) {
      return 0.0;
    }
    double k = Math.rint(x * LOG2E);
    double r = Math.fma(-k, LN2_LO, Math.fma(-k, LN2_HI, x));
    double p = horner(EXP_POLY, 0, EXP_POLY.length, r);
    long ki = (long) k;
    long half = ki >> 1;
    return p * powerOfTwo(half) * powerOfTwo(ki - half);
  }

  /** erf(x) = sign(x) P_j(|x| - j STEP) for j = round(|x| / STEP); 1 beyond ERF_LIMIT. */
  public static double erf(double x) {
    if (x != x) {
      return x;
    }
    double a = Math.abs(x);
    double r;
    if (a >= ERF_LIMIT) {
      r = 1.0;
    } else {
      double j = Math.rint(a * (1 / ERF_STEP));
      double u = a - j * ERF_STEP;
      r = horner(ERF_POLY, (int) j * ERF_TERMS, ERF_TERMS, u);
    }
    return Math.copySign(r, x);
  }

  /** The double 2^e for e in the normal range. */
  static double powerOfTwo(long e) {
    return Double.longBitsToDouble((e + 1023) << 52);
  }

  private static double horner(double[] c, int from, int count, double x) {
    double p = c[from];
    for (int i = from + 1; i < from + count; i++) {
      p = Math.fma(p, x, c[i]);
    }
    return p;
  }

  private static double[] expPoly(int degree) {
    double[] c = new double[degree + 1];
    BigDecimal factorial = BigDecimal.ONE;
    for (int n = 0; n <= degree; n++) {
      if (n > 0) {
        factorial = factorial.multiply(BigDecimal.valueOf(n));
      }
      c[degree - n] = BigDecimal.ONE.divide(factorial, java.math.MathContext.DECIMAL128).doubleValue();
    }
    return c;
  }

  /**
   * Taylor coefficients of erf around each centre c: a0 = erf(c), and for n >= 1 the n-th
   * derivative over n!, which is 2/sqrt(pi) e^(-c^2) (-1)^(n-1) H_(n-1)(c) / n! with Hermite
   * polynomials H. With |u| <= STEP/2 = 1/32 the first dropped term (degree 10) is below 1e-17.
   */
  private static double[] erfPoly() {
    int centres = (int) Math.rint(ERF_LIMIT / ERF_STEP) + 1; // |x| just below the limit may round up to it
    double[] table = new double[centres * ERF_TERMS];
    for (int j = 0; j < centres; j++) {
      double c = j * ERF_STEP;
      double g = 2 / Math.sqrt(Math.PI) * StrictMath.exp(-c * c);
      double hPrev = 0; // H_(m-1)
      double h = 1; // H_m
      double factorial = 1;
      int at = j * ERF_TERMS + ERF_TERMS - 1;
      table[at] = seriesErf(c);
      for (int n = 1; n < ERF_TERMS; n++) {
        int m = n - 1;
        factorial *= n;
        table[at - n] = (m % 2 == 0 ? 1 : -1) * g * h / factorial;
        double next = 2 * c * h - 2 * m * hPrev;
        hPrev = h;
        h = next;
      }
    }
    return table;
  }

  /** erf(c) for the table: its Maclaurin series below 2, 1 - erfc by continued fraction above. */
  private static double seriesErf(double x) {
    if (x < 2.0) {
      double sum = x;
      double term = x;
      for (int n = 1; n < 80; n++) {
        term *= -x * x / n;
        sum += term / (2 * n + 1);
      }
      return 2 / Math.sqrt(Math.PI) * sum;
    }
    double f = 0;
    for (int n = 80; n >= 1; n--) {
      f = n / 2.0 / (x + f);
    }
    return 1.0 - StrictMath.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
  }
}
