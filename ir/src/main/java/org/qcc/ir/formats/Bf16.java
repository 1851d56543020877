// bfloat16 conversions: the upper half of an IEEE binary32.
package org.qcc.ir.formats;

/** Bit-level conversion between float and bfloat16 (round to nearest, ties to even). */
public final class Bf16 {
  private Bf16() {}

  /** The bfloat16 bits nearest to {@code x}; NaN stays a quiet NaN. */
  public static short fromFloat(float x) {
    int bits = Float.floatToRawIntBits(x);
    if (Float.isNaN(x)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** The float value of bfloat16 bits. */
  public static float toFloat(short b) {
    return Float.intBitsToFloat((b & 0xFFFF) << 16);
  }
}
