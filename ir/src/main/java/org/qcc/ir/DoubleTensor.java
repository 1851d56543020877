// Tensor storage for fp64 elements.
package org.qcc.ir;

import org.qcc.ir.formats.ElementFormat;

/** Double-backed tensor for fp64. */
public final class DoubleTensor extends Tensor {
  private final double[] data;

  public DoubleTensor(ElementFormat format, int[] shape, double[] data) {
    super(format, shape);
    if (data.length != size()) {
      throw new IllegalArgumentException("expected " + size() + " elements, got " + data.length);
    }
    this.data = data;
  }

  /** The backing array, row-major. Callers that did not create the tensor must not write it. */
  public double[] data() {
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
    data[i] = v;
  }

  @Override
  public void setLong(int i, long v) {
    data[i] = v;
  }

  @Override
  public DoubleTensor reshape(int... newShape) {
    return new DoubleTensor(format(), newShape, data);
  }

  @Override
  public DoubleTensor copy() {
    return new DoubleTensor(format(), shape(), data.clone());
  }
}
