// Tensor storage for fp32, fp16 and bf16 elements.
package org.qcc.ir;

import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.ScalarFormat;

/**
 * Float-backed tensor for fp32, fp16, bf16 and the quantized floating formats. Values are kept
 * rounded to their format (nearest even); block formats hold values already quantized with their
 * shared scales, so they are stored as given.
 */
public final class FloatTensor extends Tensor {
  private final float[] data;

  public FloatTensor(ElementFormat format, int[] shape, float[] data) {
    super(format, shape);
    if (data.length != size()) {
      throw new IllegalArgumentException(
          "expected " + size() + " elements for " + format.name() + ", got " + data.length);
    }
    if (!format.isFloatingPoint() || format.equals(FloatFormat.FP64)) {
      throw new IllegalArgumentException("a float tensor cannot hold " + format.name());
    }
    this.data = data;
  }

  /** The backing array, row-major. Callers that did not create the tensor must not write it. */
  public float[] data() {
    return data;
  }

  @Override
  public double getDouble(int i) {
    return data[i];
  }

  @Override
  public long getLong(int i) {
    return (long) data[i];
  }

  @Override
  public void setDouble(int i, double v) {
    data[i] = round(v);
  }

  @Override
  public void setLong(int i, long v) {
    data[i] = round(v);
  }

  @Override
  public FloatTensor reshape(int... newShape) {
    return new FloatTensor(format(), newShape, data);
  }

  @Override
  public FloatTensor copy() {
    return new FloatTensor(format(), shape(), data.clone());
  }

  private float round(double v) {
    ElementFormat f = format();
    if (f instanceof FloatFormat ff) {
      return ff.round((float) v);
    }
    if (f instanceof ScalarFormat sf) {
      return sf.quantize(v);
    }
    return (float) v;
  }
}
