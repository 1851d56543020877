// Small binary floating point formats ExMy with a chosen bias, subnormal and special-value policy.
package org.qcc.ir.formats;

/**
 * A binary float with {@code expBits} exponent bits, {@code manBits} stored mantissa bits, an
 * exponent {@code bias}, and an optional sign bit. A code's value is {@code (-1)^s * 2^(e - bias)
 * * (1 + m / 2^manBits)} for exponent field {@code e >= 1} and {@code (-1)^s * 2^(1 - bias) * (m /
 * 2^manBits)} for {@code e == 0} when {@code subnormals} is on; with subnormals off those codes
 * all read as zero and values below the smallest normal round to zero or to it.
 *
 * <p>{@link Specials} decides which codes are infinities and NaN. {@code saturating} formats
 * clamp overflow and infinite inputs to the largest finite value; otherwise overflow goes to
 * infinity where the format has one (following IEEE: the directed roundings stop at the largest
 * finite value) and to NaN where it does not.
 *
 * <p>Quantization rounds exactly (no double rounding): the magnitude is scaled by a power of two
 * so that the grid of its binade becomes the integers, rounded once, and scaled back.
 */
public record Minifloat(
    int expBits, int manBits, int bias, boolean signed, boolean subnormals, Specials specials, boolean saturating)
    implements ScalarFormat {

  /** Which codes are infinities and NaN. */
  public enum Specials {
    /** IEEE 754: the top exponent field holds infinities (mantissa 0) and NaNs. */
    IEEE,
    /** OCP E4M3 "fn": no infinities; only the all-ones exponent and mantissa code is NaN, per sign. */
    FINITE_NAN,
    /** "fnuz": no infinities, no negative zero; the negative-zero code is the single NaN. */
    FNUZ,
    /** Every code is a finite number (OCP FP6 and FP4). */
    NONE
  }

  public static final Minifloat FP8_E4M3 = new Minifloat(4, 3, 7, true, true, Specials.FINITE_NAN, true);
  public static final Minifloat FP8_E5M2 = new Minifloat(5, 2, 15, true, true, Specials.IEEE, true);
  public static final Minifloat FP8_E4M3FNUZ = new Minifloat(4, 3, 8, true, true, Specials.FNUZ, true);
  public static final Minifloat FP8_E5M2FNUZ = new Minifloat(5, 2, 16, true, true, Specials.FNUZ, true);
  public static final Minifloat FP6_E3M2 = new Minifloat(3, 2, 3, true, true, Specials.NONE, true);
  public static final Minifloat FP6_E2M3 = new Minifloat(2, 3, 1, true, true, Specials.NONE, true);
  public static final Minifloat FP4_E2M1 = new Minifloat(2, 1, 1, true, true, Specials.NONE, true);
  /** IEEE binary16 with IEEE overflow to infinity, bit-identical to {@link Fp16}. */
  public static final Minifloat FP16 = new Minifloat(5, 10, 15, true, true, Specials.IEEE, false);
  /** bfloat16 with IEEE overflow to infinity, bit-identical to {@link Bf16}. */
  public static final Minifloat BF16 = new Minifloat(8, 7, 127, true, true, Specials.IEEE, false);
  /** Unsigned E4M3 (the positive half of OCP E4M3), the block scale of NVFP4. */
  public static final Minifloat UE4M3 = new Minifloat(4, 3, 7, false, true, Specials.FINITE_NAN, true);
  /** Unsigned E5M3 with bias 15, a finer block scale with a wider range than UE4M3. */
  public static final Minifloat UE5M3 = new Minifloat(5, 3, 15, false, true, Specials.NONE, true);

  public Minifloat {
    if (expBits < 1 || expBits > 8) {
      throw new IllegalArgumentException("minifloat exponent bits must be in 1..8, got " + expBits);
    }
    if (manBits < 0 || manBits > 10) {
      throw new IllegalArgumentException("minifloat mantissa bits must be in 0..10, got " + manBits);
    }
    if (specials == null) {
      throw new IllegalArgumentException("minifloat special-value policy is required");
    }
    if (specials == Specials.NONE && !saturating) {
      throw new IllegalArgumentException("a minifloat without infinities or NaN cannot overflow; it must saturate");
    }
    if (specials == Specials.FNUZ && !signed) {
      throw new IllegalArgumentException("fnuz needs a sign bit: its NaN is the negative-zero code");
    }
    if (specials == Specials.IEEE && manBits == 0) {
      throw new IllegalArgumentException("an IEEE minifloat needs at least 1 mantissa bit to encode NaN");
    }
    int maxField = maxField(expBits, manBits, specials);
    if (maxField < 1) {
      throw new IllegalArgumentException(
          "e" + expBits + "m" + manBits + " with " + specials + " has no normal numbers; use more exponent bits");
    }
    // Every value must be a float: decode returns one, and the scaled grids stay exact in double.
    int lo = maxField - 127;
    int hi = 149 + 1 - manBits;
    if (bias < lo || bias > hi) {
      throw new IllegalArgumentException(
          "bias of e" + expBits + "m" + manBits + " must be in " + lo + ".." + hi + " so every value fits fp32, got " + bias);
    }
  }

  /**
   * The conventional bias: {@code 2^(expBits-1) - 1} (IEEE), or one more for fnuz formats, whose
   * NaN takes no exponent code (as FP8 E4M3FNUZ and E5M2FNUZ, biases 8 and 16).
   */
  public static int defaultBias(int expBits, Specials specials) {
    return (1 << (expBits - 1)) - (specials == Specials.FNUZ ? 0 : 1);
  }

  @Override
  public String name() {
    return FormatNames.minifloat(this);
  }

  @Override
  public int bits() {
    return (signed ? 1 : 0) + expBits + manBits;
  }

  @Override
  public boolean isFloatingPoint() {
    return true;
  }

  /** Largest exponent field that holds finite numbers. */
  int maxField() {
    return maxField(expBits, manBits, specials);
  }

  /** The top exponent field is special under IEEE, and under fn when it has no mantissa to spare. */
  private static int maxField(int expBits, int manBits, Specials specials) {
    int top = (1 << expBits) - 1;
    return specials == Specials.IEEE || (specials == Specials.FINITE_NAN && manBits == 0) ? top - 1 : top;
  }

  /** Largest mantissa field in the top finite binade. */
  int maxMantissaAtTop() {
    int all = (1 << manBits) - 1;
    return specials == Specials.FINITE_NAN && manBits > 0 && maxField() == (1 << expBits) - 1 ? all - 1 : all;
  }

  /** Exponent of the smallest normal value, {@code 1 - bias}. */
  public int minExponent() {
    return 1 - bias;
  }

  /** Exponent of the largest finite binade. */
  public int maxExponent() {
    return maxField() - bias;
  }

  @Override
  public float maxValue() {
    return (float) ((1.0 + maxMantissaAtTop() / (double) (1 << manBits)) * pow2(maxExponent()));
  }

  @Override
  public float minValue() {
    return signed ? -maxValue() : 0f;
  }

  @Override
  public float minNormal() {
    return (float) pow2(minExponent());
  }

  @Override
  public float minPositive() {
    return subnormals && manBits > 0 ? (float) pow2(minExponent() - manBits) : minNormal();
  }

  /** True when the format has a code for infinity. */
  public boolean hasInfinity() {
    return specials == Specials.IEEE;
  }

  /** True when some code decodes to NaN. */
  public boolean hasNaN() {
    return specials != Specials.NONE;
  }

  private int signBit() {
    return signed ? 1 << (expBits + manBits) : 0;
  }

  /** The NaN code for an input of the given sign. */
  private int nanCode(boolean negative) {
    int sign = negative && signed ? signBit() : 0;
    return switch (specials) {
      case IEEE, FINITE_NAN -> sign | ((1 << (expBits + manBits)) - 1);
      case FNUZ -> signBit();
      case NONE -> 0;
    };
  }

  @Override
  public float decode(int code) {
    int man = code & ((1 << manBits) - 1);
    int field = (code >>> manBits) & ((1 << expBits) - 1);
    boolean negative = signed && (code & signBit()) != 0;
    int top = (1 << expBits) - 1;
    switch (specials) {
      case IEEE:
        if (field == top) {
          return man == 0 ? (negative ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY) : Float.NaN;
        }
        break;
      case FINITE_NAN:
        if (field == top && man == (1 << manBits) - 1) {
          return Float.NaN;
        }
        break;
      case FNUZ:
        if (code == signBit()) {
          return Float.NaN;
        }
        break;
      default:
        break;
    }
    double v;
    if (field == 0) {
      v = subnormals ? man * pow2(minExponent() - manBits) : 0.0;
    } else {
      v = (1.0 + man / (double) (1 << manBits)) * pow2(field - bias);
    }
    return (float) (negative ? -v : v);
  }

  @Override
  public boolean isCanonical(int code) {
    if (code < 0 || code >= codeCount()) {
      return false;
    }
    int man = code & ((1 << manBits) - 1);
    int field = (code >>> manBits) & ((1 << expBits) - 1);
    if (!subnormals && field == 0 && man != 0) {
      return false;
    }
    if (specials == Specials.IEEE && field == (1 << expBits) - 1) {
      // Saturating formats clamp infinite inputs, so only NaN codes come out of encode up here.
      return man != 0 ? code == nanCode(false) || code == nanCode(true) : !saturating;
    }
    return true;
  }

  @Override
  public float quantize(double y, Rounding rounding, long random) {
    if (Double.isNaN(y)) {
      return specials == Specials.NONE ? 0f : Float.NaN;
    }
    boolean negative = y < 0 || (y == 0 && 1 / y < 0);
    if (negative && !signed) {
      return 0f;
    }
    double a = Math.abs(y);
    double max = maxValue();
    double v;
    if (a == Double.POSITIVE_INFINITY) {
      v = saturating ? max : overflow(negative, Rounding.NEAREST_EVEN);
    } else {
      int exp = Math.getExponent(a);
      int emin = minExponent();
      int quantumExp = exp < emin ? (subnormals ? emin - manBits : emin) : exp - manBits;
      double r = a * pow2(-quantumExp);
      if (r == 0 && a != 0) {
        r = Double.MIN_VALUE; // underflowed, but still above zero: the rounding must see that
      }
      double k = rounding.roundMagnitude(r, negative, random);
      v = k * pow2(quantumExp);
      if (v > max) {
        v = saturating ? max : overflow(negative, rounding);
      }
    }
    if (v == 0 && specials == Specials.FNUZ) {
      return 0f;
    }
    return (float) (negative ? -v : v);
  }

  /** The magnitude an overflowing value takes in a non-saturating format. */
  private double overflow(boolean negative, Rounding rounding) {
    if (!rounding.overflowsToInfinity(negative)) {
      return maxValue();
    }
    return specials == Specials.IEEE ? Double.POSITIVE_INFINITY : Double.NaN;
  }

  @Override
  public int encode(double y, Rounding rounding, long random) {
    float v = quantize(y, rounding, random);
    if (Float.isNaN(v)) {
      return nanCode(Double.doubleToRawLongBits(y) < 0);
    }
    int sign = (v < 0 || (v == 0 && 1 / v < 0)) ? signBit() : 0;
    double a = Math.abs((double) v);
    if (a == Double.POSITIVE_INFINITY) {
      return sign | ((1 << expBits) - 1) << manBits;
    }
    if (a == 0) {
      return sign;
    }
    int exp = Math.getExponent(a);
    if (exp < minExponent()) {
      return sign | (int) (a * pow2(manBits - minExponent()));
    }
    int man = (int) (a * pow2(manBits - exp)) - (1 << manBits);
    return sign | (exp + bias) << manBits | man;
  }

  /** 2^e as a double, exact for the exponents formats use. */
  static double pow2(int e) {
    return Double.longBitsToDouble((long) (e + 1023) << 52);
  }
}
