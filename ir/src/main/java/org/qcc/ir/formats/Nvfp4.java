// NVFP4-style two-level block format: E2M1 elements, UE4M3 scale per 16, one fp32 tensor scale.
package org.qcc.ir.formats;

/**
 * Two-level scaled FP4: elements are OCP E2M1, each block of 16 has an unsigned E4M3 scale, and
 * the tensor has one fp32 scale chosen so the largest block scale uses E4M3's whole range.
 *
 * <p>Definition (all in fp32 arithmetic, each operation correctly rounded): the tensor scale is
 * {@code ts = amax_tensor / (6 * 448)}; a block's scale code is {@code UE4M3(round-nearest-even(
 * (amax_block / 6) / ts))}; its elements are {@code V / (decode(code) * ts)} rounded to E2M1 and
 * saturated at 6. A zero tensor or block scale makes the block zero. Infinities and NaN give a
 * NaN tensor scale and NaN everywhere.
 */
public record Nvfp4() implements BlockFormat {
  public static final Nvfp4 NVFP4 = new Nvfp4();
  private static final float ELEMENT_MAX = 6f;
  private static final float SCALE_MAX = 448f;

  @Override
  public String name() {
    return "nvfp4";
  }

  @Override
  public int blockSize() {
    return 16;
  }

  @Override
  public ScalarFormat elementFormat() {
    return Minifloat.FP4_E2M1;
  }

  @Override
  public ScalarFormat scaleFormat() {
    return Minifloat.UE4M3;
  }

  @Override
  public boolean hasTensorScale() {
    return true;
  }

  @Override
  public double tensorScale(double tensorAmax) {
    return Double.isFinite(tensorAmax) ? (float) tensorAmax / (ELEMENT_MAX * SCALE_MAX) : Double.NaN;
  }

  @Override
  public int scaleCode(double amax, double tensorScale) {
    if (tensorScale == 0 || Double.isNaN(tensorScale) || !Double.isFinite(amax)) {
      return 0;
    }
    float ratio = ((float) amax / ELEMENT_MAX) / (float) tensorScale;
    return Minifloat.UE4M3.encode(ratio);
  }

  @Override
  public double step(int scaleCode, double tensorScale) {
    if (Double.isNaN(tensorScale)) {
      return Double.NaN;
    }
    return (float) (Minifloat.UE4M3.decode(scaleCode) * (float) tensorScale);
  }
}
