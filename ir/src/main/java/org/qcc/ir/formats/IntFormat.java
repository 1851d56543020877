// Two's complement and unsigned integer formats.
package org.qcc.ir.formats;

/**
 * An integer of {@code bits} bits, signed (two's complement) or unsigned. A narrow signed
 * format drops the most negative code so the range is symmetric, as in QONNX's narrow quant;
 * {@code int2n} is the ternary format {-1, 0, +1}.
 *
 * <p>As a {@link ScalarFormat} (up to 32 bits) a code is the value's two's complement bit
 * pattern in the low {@code bits} bits; quantization rounds and then clamps to the range.
 */
public record IntFormat(int bits, boolean signed, boolean narrow) implements ScalarFormat {
  public static final IntFormat INT8 = new IntFormat(8, true, false);
  public static final IntFormat INT16 = new IntFormat(16, true, false);
  public static final IntFormat INT32 = new IntFormat(32, true, false);
  public static final IntFormat INT64 = new IntFormat(64, true, false);
  public static final IntFormat UINT8 = new IntFormat(8, false, false);
  public static final IntFormat UINT16 = new IntFormat(16, false, false);
  public static final IntFormat UINT32 = new IntFormat(32, false, false);
  public static final IntFormat UINT64 = new IntFormat(64, false, false);

  public IntFormat {
    if (bits < 1 || bits > 64) {
      throw new IllegalArgumentException("integer bits must be in 1..64, got " + bits);
    }
    if (narrow && (!signed || bits < 2)) {
      throw new IllegalArgumentException("narrow range needs a signed integer of at least 2 bits");
    }
  }

  /** The ternary format {-1, 0, +1}. */
  public static final IntFormat TERNARY = new IntFormat(2, true, true);

  @Override
  public String name() {
    return (signed ? "int" : "uint") + bits + (narrow ? "n" : "");
  }

  @Override
  public boolean isFloatingPoint() {
    return false;
  }

  /** Smallest representable value. */
  public long min() {
    if (!signed) {
      return 0;
    }
    long min = bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1));
    return narrow ? min + 1 : min;
  }

  /** Largest representable value (for uint64, the bit pattern of 2^64-1). */
  public long max() {
    if (bits == 64) {
      return signed ? Long.MAX_VALUE : -1L;
    }
    return signed ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
  }

  /** Wraps a value to this width the way a cast in two's complement does. */
  public long wrap(long v) {
    if (bits == 64) {
      return v;
    }
    int shift = 64 - bits;
    return signed ? (v << shift) >> shift : (v << shift) >>> shift;
  }

  @Override
  public int codeCount() {
    requireCodes();
    return 1 << bits;
  }

  private void requireCodes() {
    if (bits > 30) {
      throw new IllegalArgumentException(name() + " is too wide for code-level operations (at most 30 bits)");
    }
  }

  @Override
  public float decode(int code) {
    return (float) wrap(code);
  }

  @Override
  public int encode(double y, Rounding rounding, long random) {
    return (int) (clampRound(y, rounding, random) & (bits >= 32 ? 0xFFFFFFFFL : (1L << bits) - 1));
  }

  @Override
  public float quantize(double y, Rounding rounding, long random) {
    return clampRound(y, rounding, random);
  }

  private long clampRound(double y, Rounding rounding, long random) {
    if (Double.isNaN(y)) {
      return 0;
    }
    double k = rounding.round(y, random);
    return (long) Math.max(min(), Math.min(max(), k));
  }

  @Override
  public float maxValue() {
    return max();
  }

  @Override
  public float minValue() {
    return min();
  }

  @Override
  public float minNormal() {
    return 1f;
  }

  @Override
  public float minPositive() {
    return 1f;
  }

  @Override
  public boolean isCanonical(int code) {
    requireCodes();
    return code >= 0 && code < (1 << bits) && wrap(code) >= min();
  }
}
