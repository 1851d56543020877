// A format whose every element stands alone: a code of a few bits per value.
package org.qcc.ir.formats;

/**
 * An element format with a finite set of codes, each decoding to one value on its own (integers,
 * minifloats, bipolar, E8M0). Values are quantized to it after dividing by a scale; the format
 * itself knows nothing of scales.
 *
 * <p>Codes are the format's bit patterns in the low {@link #bits()} bits of an int. {@link
 * #quantize} rounds a float to the nearest representable value under a {@link Rounding} and is
 * the same as {@code decode(encode(y))}, only faster.
 */
public sealed interface ScalarFormat extends ElementFormat permits IntFormat, Minifloat, BipolarFormat, E8m0Format {

  /** Number of codes, {@code 2^bits}. */
  default int codeCount() {
    return 1 << bits();
  }

  /** The value of a code (NaN for NaN codes). */
  float decode(int code);

  /** The code of the representable value that {@code y} rounds to. */
  int encode(double y, Rounding rounding, long random);

  /** The representable value that {@code y} rounds to; equals {@code decode(encode(y, ...))}. */
  float quantize(double y, Rounding rounding, long random);

  /** Largest finite value. */
  float maxValue();

  /** Most negative finite value. */
  float minValue();

  /** Smallest positive normal value (for integers: 1). */
  float minNormal();

  /** Smallest positive value, subnormal if the format has subnormals. */
  float minPositive();

  /** True for codes that decode to NaN. */
  default boolean isNaN(int code) {
    return Float.isNaN(decode(code));
  }

  /**
   * True for codes that {@link #encode} can produce. The others are aliases (e.g. subnormal codes
   * of a format that flushes subnormals decode to zero) or unused (the most negative code of a
   * narrow integer).
   */
  boolean isCanonical(int code);

  /** Round to nearest even, the default everywhere. */
  default float quantize(double y) {
    return quantize(y, Rounding.NEAREST_EVEN, 0);
  }

  /** Round to nearest even. */
  default int encode(double y) {
    return encode(y, Rounding.NEAREST_EVEN, 0);
  }
}
