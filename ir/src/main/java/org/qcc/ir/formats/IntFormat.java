// Two's complement and unsigned integer formats.
package org.qcc.ir.formats;

/**
 * An integer of {@code bits} bits, signed (two's complement) or unsigned. A narrow signed
 * format drops the most negative code so the range is symmetric, as in QONNX's narrow quant.
 */
public record IntFormat(int bits, boolean signed, boolean narrow) implements ElementFormat {
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
  }

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
}
