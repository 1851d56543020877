// How a quantization scale is stored: fp32, a power of two, E8M0 or UE5M3.
package org.qcc.ir.formats;

/**
 * The storage of a quantization scale. Scales derived from data round <em>up</em> to the storage
 * format, so the largest magnitude of a tensor or group is never clipped by rounding its scale.
 */
public enum ScaleFormat {
  /** Any positive fp32 value. */
  FP32("fp32"),
  /** A power of two within fp32's normal range (a shift in hardware). */
  POW2("pow2"),
  /** OCP E8M0: a power of two in 2^-127..2^127. */
  E8M0("e8m0"),
  /** Unsigned E5M3, bias 15. */
  UE5M3("ue5m3");

  private final String id;

  ScaleFormat(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static ScaleFormat parse(String text) {
    for (ScaleFormat f : values()) {
      if (f.id.equalsIgnoreCase(text)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown scale format '" + text + "' (known: fp32, pow2, e8m0, ue5m3)");
  }

  /** The smallest storable scale at or above {@code ideal} (which must be positive and finite). */
  public float roundUp(double ideal) {
    return switch (this) {
      case FP32 -> {
        float f = (float) ideal;
        yield f < ideal ? Math.nextUp(f) : f;
      }
      case POW2 -> (float) Minifloat.pow2(Math.max(-126, Math.min(127, ceilLog2(ideal))));
      case E8M0 -> E8m0Format.E8M0.decode(E8m0Format.codeOfExponent(ceilLog2(ideal)));
      case UE5M3 -> Minifloat.UE5M3.quantize(ideal, Rounding.CEIL, 0);
    };
  }

  /** True when {@code s} is a value this storage can hold exactly. */
  public boolean holds(float s) {
    if (!(s > 0) || Float.isInfinite(s)) {
      return false;
    }
    return switch (this) {
      case FP32 -> true;
      case POW2 -> Math.getExponent(s) >= -126 && s == (float) Minifloat.pow2(Math.getExponent(s));
      case E8M0 -> s == roundUp(s);
      case UE5M3 -> Minifloat.UE5M3.quantize(s) == s;
    };
  }

  private static int ceilLog2(double v) {
    int e = Math.getExponent(v);
    return v == Minifloat.pow2(e) ? e : e + 1;
  }

  @Override
  public String toString() {
    return id;
  }
}
