// IEEE binary16 conversions (Java 17 has no Float.floatToFloat16).
package org.qcc.ir.formats;

/** Bit-level conversion between float and IEEE half precision, round to nearest even. */
public final class Fp16 {
  private Fp16() {}

  /** The float value of binary16 bits. */
  public static float toFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int man = bits & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (man << 13));
    }
    if (exp == 0) {
      // Subnormal: man * 2^-24, exact in float.
      float v = man * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (man << 13));
  }

  /** The binary16 bits nearest to {@code x}; overflow goes to infinity, NaN stays NaN. */
  public static short fromFloat(float x) {
    int f = Float.floatToRawIntBits(x);
    int sign = (f >>> 16) & 0x8000;
    int exp = (f >>> 23) & 0xFF;
    int man = f & 0x7FFFFF;
    if (exp == 0xFF) {
      return (short) (sign | 0x7C00 | (man != 0 ? 0x200 | (man >>> 13) : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      // Subnormal result: shift the full significand (with hidden bit) into place.
      int sig = man | 0x800000;
      int shift = 14 - e;
      int half = sig >>> shift;
      int rest = sig & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (man >>> 13);
    int rest = man & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, up to infinity, which is correct
    }
    return (short) (sign | half);
  }
}
