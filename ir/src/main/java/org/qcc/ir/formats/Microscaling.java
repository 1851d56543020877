// OCP Microscaling (MX) v1.0: blocks of 32 elements with one E8M0 power-of-two scale.
package org.qcc.ir.formats;

/**
 * An OCP MX format: {@code blockSize} (32 in the spec) elements of a minifloat or of MXINT8's
 * fixed-point int8 (code times 2^-6) share an {@link E8m0Format} scale {@code X}.
 *
 * <p>The spec's conversion (section 6.3): {@code X = 2^(floor(log2(amax)) - emax_elem)}, where
 * {@code emax_elem} is the exponent of the element format's largest normal (0 for MXINT8), clamped
 * to E8M0's range 2^-127..2^127; each element is {@code V / X} rounded to the element format and
 * clamped to its largest normal magnitude. A block holding NaN or infinity gets the NaN scale, so
 * every element of it reads as NaN. An all-zero block takes the smallest scale.
 */
public record Microscaling(ScalarFormat elementFormat, int blockSize) implements BlockFormat {
  public static final int SPEC_BLOCK = 32;
  public static final Microscaling MXFP8_E4M3 = new Microscaling(Minifloat.FP8_E4M3, SPEC_BLOCK);
  public static final Microscaling MXFP8_E5M2 = new Microscaling(Minifloat.FP8_E5M2, SPEC_BLOCK);
  public static final Microscaling MXFP6_E3M2 = new Microscaling(Minifloat.FP6_E3M2, SPEC_BLOCK);
  public static final Microscaling MXFP6_E2M3 = new Microscaling(Minifloat.FP6_E2M3, SPEC_BLOCK);
  public static final Microscaling MXFP4_E2M1 = new Microscaling(Minifloat.FP4_E2M1, SPEC_BLOCK);
  public static final Microscaling MXINT8 = new Microscaling(IntFormat.INT8, SPEC_BLOCK);

  public Microscaling {
    if (!(elementFormat instanceof Minifloat m && m.signed() && m.saturating()) && !IntFormat.INT8.equals(elementFormat)) {
      throw new IllegalArgumentException(
          "MX elements are saturating signed minifloats or int8, got " + (elementFormat == null ? "none" : elementFormat.name()));
    }
    if (blockSize < 1 || blockSize > 4096) {
      throw new IllegalArgumentException("MX block size must be in 1..4096, got " + blockSize);
    }
  }

  @Override
  public String name() {
    String base = elementFormat instanceof Minifloat m ? "mxfp" + m.bits() + "_e" + m.expBits() + "m" + m.manBits() : "mxint8";
    return blockSize == SPEC_BLOCK ? base : base + "k" + blockSize;
  }

  @Override
  public ScalarFormat scaleFormat() {
    return E8m0Format.E8M0;
  }

  /** Exponent of the element format's largest normal value. */
  public int emaxElem() {
    return elementFormat instanceof Minifloat m ? Math.getExponent(m.maxValue()) : 0;
  }

  /** MXINT8 elements are fixed-point with 6 fraction bits. */
  private int elementShift() {
    return elementFormat instanceof Minifloat ? 0 : -6;
  }

  @Override
  public int scaleCode(double amax, double tensorScale) {
    if (!Double.isFinite(amax)) {
      return E8m0Format.NAN;
    }
    if (amax == 0) {
      return 0;
    }
    return E8m0Format.codeOfExponent(Math.getExponent(amax) - emaxElem());
  }

  @Override
  public double step(int scaleCode, double tensorScale) {
    return scaleCode == E8m0Format.NAN ? Double.NaN : Minifloat.pow2(scaleCode - E8m0Format.BIAS + elementShift());
  }
}
