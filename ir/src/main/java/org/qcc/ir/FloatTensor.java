// Tensor storage for fp32, fp16 and bf16 elements.
package org.qcc.ir;

import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;

/** Float-backed tensor; fp16/bf16 values are kept rounded to their format. */
public final class FloatTensor extends Tensor {
  private final float[] data;
  private final FloatFormat floatFormat;

  public FloatTensor(ElementFormat format, int[] shape, float[] data) {
    super(format, shape);
    if (data.length != size()) {
      throw new IllegalArgumentException(
          "expected " + size() + " elements for " + format.name() + ", got " + data.length);
    }
    this.floatFormat = (FloatFormat) format;
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
    data[i] = floatFormat.round((float) v);
  }

  @Override
  public void setLong(int i, long v) {
    data[i] = floatFormat.round((float) v);
  }

  @Override
  public FloatTensor reshape(int... newShape) {
    return new FloatTensor(format(), newShape, data);
  }

  @Override
  public FloatTensor copy() {
    return new FloatTensor(format(), shape(), data.clone());
  }
}
