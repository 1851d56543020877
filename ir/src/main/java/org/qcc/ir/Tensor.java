// Tensor data: a static shape, an element format and the elements in row-major order.
package org.qcc.ir;

import java.util.Arrays;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;

/**
 * Concrete tensor data. Storage follows the format: fp32, fp16 and bf16 elements are held as
 * floats (each value exact), fp64 as doubles, integers and booleans as longs. Tensors are never
 * mutated after construction by code outside the one that created them.
 */
public abstract sealed class Tensor permits FloatTensor, DoubleTensor, LongTensor {
  private final ElementFormat format;
  private final int[] shape;
  private final int size;

  Tensor(ElementFormat format, int[] shape) {
    this.format = format;
    this.shape = shape.clone();
    this.size = checkedSize(shape);
  }

  /** Element count of a shape; rejects negative dims and counts above Integer.MAX_VALUE. */
  public static int checkedSize(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "tensor of shape " + Arrays.toString(shape) + " has too many elements");
      }
    }
    return (int) n;
  }

  /** A zero-filled tensor of the given format and shape. */
  public static Tensor zeros(ElementFormat format, int... shape) {
    int n = checkedSize(shape);
    if (format.isFloatingPoint()) {
      return format.equals(FloatFormat.FP64)
          ? new DoubleTensor(format, shape, new double[n])
          : new FloatTensor(format, shape, new float[n]);
    }
    return new LongTensor(format, shape, new long[n]);
  }

  /** A tensor of any format built from doubles, rounded or wrapped to the format. */
  public static Tensor fromDoubles(ElementFormat format, int[] shape, double[] values) {
    Tensor t = zeros(format, shape);
    for (int i = 0; i < values.length; i++) {
      t.setDouble(i, values[i]);
    }
    return t;
  }

  public static FloatTensor ofFloats(int[] shape, float... values) {
    return new FloatTensor(FloatFormat.FP32, shape, values);
  }

  public static LongTensor ofLongs(int[] shape, long... values) {
    return new LongTensor(IntFormat.INT64, shape, values);
  }

  public static Tensor scalar(float v) {
    return ofFloats(new int[0], v);
  }

  public final ElementFormat format() {
    return format;
  }

  /** A copy of the shape. */
  public final int[] shape() {
    return shape.clone();
  }

  public final int rank() {
    return shape.length;
  }

  public final int dim(int axis) {
    return shape[axis];
  }

  public final int size() {
    return size;
  }

  public final TensorType type() {
    long[] s = new long[shape.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = shape[i];
    }
    return TensorType.of(format, s);
  }

  /** Element {@code i} as a double (exact for every format but int64/uint64 above 2^53). */
  public abstract double getDouble(int i);

  /** Element {@code i} as a long; floats truncate toward zero as a C cast does. */
  public abstract long getLong(int i);

  /** Stores a value, rounding or wrapping it to the format. */
  public abstract void setDouble(int i, double v);

  /** Stores a long, converting or wrapping it to the format. */
  public abstract void setLong(int i, long v);

  /** The same elements under a new shape of equal size. */
  public abstract Tensor reshape(int... newShape);

  /** An independent copy. */
  public abstract Tensor copy();

  /** A copy converted to another format with ONNX Cast semantics. */
  public Tensor cast(ElementFormat to) {
    Tensor out = zeros(to, shape);
    boolean fromFloat = format.isFloatingPoint();
    boolean toFloat = to.isFloatingPoint();
    for (int i = 0; i < size; i++) {
      if (to instanceof BoolFormat) {
        out.setLong(i, fromFloat ? (getDouble(i) != 0 ? 1 : 0) : (getLong(i) != 0 ? 1 : 0));
      } else if (fromFloat || toFloat) {
        out.setDouble(i, unsignedAwareDouble(i));
      } else {
        out.setLong(i, getLong(i));
      }
    }
    return out;
  }

  private double unsignedAwareDouble(int i) {
    if (format instanceof IntFormat f && !f.signed() && f.bits() == 64) {
      long v = getLong(i);
      double d = (double) (v >>> 1) * 2.0 + (v & 1);
      return d;
    }
    return getDouble(i);
  }

  /** Same format, shape and elements (NaNs equal when their bits are equal). */
  public boolean contentEquals(Tensor o) {
    if (!format.equals(o.format) || !Arrays.equals(shape, o.shape)) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (format.isFloatingPoint()) {
        if (Double.doubleToLongBits(getDouble(i)) != Double.doubleToLongBits(o.getDouble(i))) {
          return false;
        }
      } else if (getLong(i) != o.getLong(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "Tensor" + type();
  }
}
