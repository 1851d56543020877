// Block floating point: sign-magnitude integer mantissas sharing one exponent per block.
package org.qcc.ir.formats;

/**
 * Block floating point (BFP): {@code blockSize} elements share an exponent of {@code
 * sharedExpBits} bits (bias {@code 2^(sharedExpBits-1) - 1}); each element is a sign and a
 * {@code elementBits - 1}-bit magnitude, i.e. a value of the narrow integer format {@code
 * int<elementBits>n} times {@code 2^(E - (elementBits - 2))}.
 *
 * <p>The shared exponent {@code E} is that of the block's largest magnitude, {@code
 * floor(log2(amax))}, clamped to the exponent's range, so the largest element lands in {@code
 * [2^(b-2), 2^(b-1))} before rounding. Mantissas round with the chosen {@link Rounding}; one that
 * rounds up to {@code 2^(b-1)} saturates to {@code 2^(b-1) - 1}, as do values above the top
 * exponent's range. An all-zero block takes the smallest exponent. NaN elements quantize to 0 and
 * infinities saturate: the shared exponent has no code for them.
 */
public record BlockFloat(int elementBits, int blockSize, int sharedExpBits) implements BlockFormat {

  public BlockFloat {
    if (elementBits < 2 || elementBits > 16) {
      throw new IllegalArgumentException("BFP element bits (sign included) must be in 2..16, got " + elementBits);
    }
    if (blockSize < 1 || blockSize > 4096) {
      throw new IllegalArgumentException("BFP block size must be in 1..4096, got " + blockSize);
    }
    if (sharedExpBits < 2 || sharedExpBits > 8) {
      throw new IllegalArgumentException("BFP shared exponent bits must be in 2..8, got " + sharedExpBits);
    }
  }

  @Override
  public String name() {
    return "bfp" + elementBits + "b" + blockSize + (sharedExpBits == 8 ? "" : "e" + sharedExpBits);
  }

  @Override
  public ScalarFormat elementFormat() {
    return new IntFormat(elementBits, true, true);
  }

  @Override
  public ScalarFormat scaleFormat() {
    return new IntFormat(sharedExpBits, false, false);
  }

  private int expBias() {
    return (1 << (sharedExpBits - 1)) - 1;
  }

  @Override
  public int scaleCode(double amax, double tensorScale) {
    int top = (1 << sharedExpBits) - 1;
    if (Double.isNaN(amax) || amax == 0) {
      return 0;
    }
    if (Double.isInfinite(amax)) {
      return top;
    }
    return Math.max(0, Math.min(top, Math.getExponent(amax) + expBias()));
  }

  @Override
  public double step(int scaleCode, double tensorScale) {
    return Minifloat.pow2(scaleCode - expBias() - (elementBits - 2));
  }

  @Override
  public boolean propagatesNaN() {
    return false;
  }
}
