// Formats whose elements share a scale per block: BFP, OCP microscaling, NVFP4.
package org.qcc.ir.formats;

/**
 * A format that stores blocks of {@link #blockSize()} consecutive elements along one axis with
 * one shared scale per block. An element's value is {@code elementValue(code) * blockScale},
 * where the block scale comes from the block's largest magnitude ({@link #scaleCode}) and, for
 * two-level formats, a per-tensor scale ({@link #tensorScale}). A last block shorter than the
 * block size is quantized as if padded with zeros.
 *
 * <p>{@link BlockQuantizer} applies a block format to whole tensors.
 */
public sealed interface BlockFormat extends ElementFormat permits BlockFloat, Microscaling, Nvfp4 {

  /** Elements per block. */
  int blockSize();

  /** The format of each element, quantized after dividing by the block's step. */
  ScalarFormat elementFormat();

  /** The format the shared scale is stored in (its codes are what {@link #scaleCode} returns). */
  ScalarFormat scaleFormat();

  /** Whether {@link #tensorScale} depends on the tensor (two-level formats). */
  default boolean hasTensorScale() {
    return false;
  }

  /** The per-tensor scale of two-level formats, from the tensor's largest magnitude; 1 otherwise. */
  default double tensorScale(double tensorAmax) {
    return 1.0;
  }

  /** The shared scale code of a block whose largest magnitude is {@code amax} (NaN or inf included). */
  int scaleCode(double amax, double tensorScale);

  /**
   * What an element code's value is multiplied by in a block with this scale code: the shared
   * scale times the element's own fixed step (MXINT8 and BFP elements are fixed-point). NaN for
   * a NaN scale; 0 makes every element of the block zero.
   */
  double step(int scaleCode, double tensorScale);

  @Override
  default int bits() {
    return elementFormat().bits();
  }

  @Override
  default boolean isFloatingPoint() {
    return true;
  }

  /** True when a NaN element makes the block's scale NaN; false when NaN elements are ignored. */
  default boolean propagatesNaN() {
    return true;
  }

  /** Average storage per element including the shared scale, in bits. */
  default double bitsPerElement() {
    return elementFormat().bits() + (double) scaleFormat().bits() / blockSize();
  }
}
