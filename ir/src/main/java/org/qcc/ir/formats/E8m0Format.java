// OCP E8M0: the unsigned power-of-two scale of the microscaling formats.
package org.qcc.ir.formats;

/**
 * Eight exponent bits, no sign, no mantissa: code {@code c} is {@code 2^(c - 127)} for c in
 * 0..254 and 0xFF is NaN. There is no zero; values below 2^-127 (zero included) round to the
 * smallest code and values above 2^127 to the largest, as the OCP MX v1.0 spec's scale range.
 */
public record E8m0Format() implements ScalarFormat {
  public static final E8m0Format E8M0 = new E8m0Format();
  /** The NaN code. */
  public static final int NAN = 0xFF;
  /** Exponent bias: code 127 is 1.0. */
  public static final int BIAS = 127;

  @Override
  public String name() {
    return "e8m0";
  }

  @Override
  public int bits() {
    return 8;
  }

  @Override
  public boolean isFloatingPoint() {
    return true;
  }

  @Override
  public float decode(int code) {
    return code == NAN ? Float.NaN : (float) Minifloat.pow2(code - BIAS);
  }

  /** The code of {@code 2^exponent}, clamped to the format's range. */
  public static int codeOfExponent(int exponent) {
    return Math.max(0, Math.min(254, exponent + BIAS));
  }

  @Override
  public int encode(double y, Rounding rounding, long random) {
    if (Double.isNaN(y)) {
      return NAN;
    }
    if (!(y > 0)) {
      return 0;
    }
    if (y == Float.POSITIVE_INFINITY) {
      return 254;
    }
    double a = y;
    int exp = Math.getExponent(a);
    // Between 2^exp and 2^(exp+1) the grid step is 2^exp, so the mantissa rounds to 1 or 2.
    double k = rounding.roundMagnitude(a * Minifloat.pow2(-exp), false, random);
    return codeOfExponent(k >= 2 ? exp + 1 : exp);
  }

  @Override
  public float quantize(double y, Rounding rounding, long random) {
    return decode(encode(y, rounding, random));
  }

  @Override
  public float maxValue() {
    return 0x1p127f;
  }

  @Override
  public float minValue() {
    return minPositive();
  }

  @Override
  public float minNormal() {
    return minPositive();
  }

  @Override
  public float minPositive() {
    return (float) Minifloat.pow2(-127);
  }

  @Override
  public boolean isCanonical(int code) {
    return code >= 0 && code <= 0xFF;
  }
}
