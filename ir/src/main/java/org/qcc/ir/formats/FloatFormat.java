// IEEE-754-style binary floating point formats that ONNX tensors carry.
package org.qcc.ir.formats;

/**
 * An IEEE-754-style binary float with {@code expBits} exponent and {@code manBits} stored
 * mantissa bits, infinities and NaN. Covers the ONNX floating types; narrower minifloats are
 * separate formats.
 */
public record FloatFormat(String name, int expBits, int manBits) implements ElementFormat {
  public static final FloatFormat FP32 = new FloatFormat("fp32", 8, 23);
  public static final FloatFormat FP64 = new FloatFormat("fp64", 11, 52);
  public static final FloatFormat FP16 = new FloatFormat("fp16", 5, 10);
  public static final FloatFormat BF16 = new FloatFormat("bf16", 8, 7);

  @Override
  public int bits() {
    return 1 + expBits + manBits;
  }

  @Override
  public boolean isFloatingPoint() {
    return true;
  }

  /** Rounds a float to this format's nearest value (ties to even), as a float. */
  public float round(float x) {
    if (manBits >= 23) {
      return x;
    }
    if (equals(FP16)) {
      return Fp16.toFloat(Fp16.fromFloat(x));
    }
    if (equals(BF16)) {
      return Bf16.toFloat(Bf16.fromFloat(x));
    }
    throw new IllegalStateException("no rounding defined for " + name);
  }
}
