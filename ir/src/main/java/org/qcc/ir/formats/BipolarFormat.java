// One-bit bipolar values: +1 or -1, as in binarized networks.
package org.qcc.ir.formats;

/**
 * One bit per value: code 1 is +1 and code 0 is -1 (the XNOR-popcount encoding). Zero and
 * positive inputs map to +1, as QONNX's BipolarQuant does; rounding modes do not apply.
 */
public record BipolarFormat() implements ScalarFormat {
  public static final BipolarFormat BIPOLAR = new BipolarFormat();

  @Override
  public String name() {
    return "bipolar";
  }

  @Override
  public int bits() {
    return 1;
  }

  @Override
  public boolean isFloatingPoint() {
    return false;
  }

  @Override
  public float decode(int code) {
    return code == 1 ? 1f : -1f;
  }

  @Override
  public int encode(double y, Rounding rounding, long random) {
    return y < 0 ? 0 : 1;
  }

  @Override
  public float quantize(double y, Rounding rounding, long random) {
    return y < 0 ? -1f : 1f;
  }

  @Override
  public float maxValue() {
    return 1f;
  }

  @Override
  public float minValue() {
    return -1f;
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
    return code == 0 || code == 1;
  }
}
