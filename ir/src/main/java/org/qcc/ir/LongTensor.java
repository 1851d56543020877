// Tensor storage for integer and boolean elements.
package org.qcc.ir;

import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.IntFormat;

/** Long-backed tensor; values are kept wrapped to the integer format's width. */
public final class LongTensor extends Tensor {
  private final long[] data;

  public LongTensor(ElementFormat format, int[] shape, long[] data) {
    super(format, shape);
    if (data.length != size()) {
      throw new IllegalArgumentException("expected " + size() + " elements, got " + data.length);
    }
    if (!(format instanceof IntFormat || format instanceof BoolFormat)) {
      throw new IllegalArgumentException("LongTensor cannot hold " + format.name());
    }
    this.data = data;
  }

  /** The backing array, row-major. Callers that did not create the tensor must not write it. */
  public long[] data() {
    return data;
  }

  @Override
  public double getDouble(int i) {
    if (format() instanceof IntFormat f && !f.signed() && f.bits() == 64 && data[i] < 0) {
      return (double) (data[i] >>> 1) * 2.0;
    }
    return data[i];
  }

  @Override
  public long getLong(int i) {
    return data[i];
  }

  @Override
  public void setDouble(int i, double v) {
    if (format() instanceof BoolFormat) {
      data[i] = v != 0 ? 1 : 0;
    } else {
      // Float to integer conversion truncates toward zero, as ONNX Cast does.
      data[i] = ((IntFormat) format()).wrap((long) v);
    }
  }

  @Override
  public void setLong(int i, long v) {
    data[i] = format() instanceof IntFormat f ? f.wrap(v) : (v != 0 ? 1 : 0);
  }

  @Override
  public LongTensor reshape(int... newShape) {
    return new LongTensor(format(), newShape, data);
  }

  @Override
  public LongTensor copy() {
    return new LongTensor(format(), shape(), data.clone());
  }
}
