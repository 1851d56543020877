// A row-major shape seen as [outer, length, inner] around one axis.
package org.qcc.ir.formats;

/** Element (o, a, i) sits at index {@code (o * length + a) * inner + i}. */
public record AxisView(int outer, int length, int inner) {

  /** The view of {@code shape} around {@code axis}; {@code what} names the axis in the error. */
  public static AxisView of(int[] shape, int axis, String what) {
    if (axis < 0 || axis >= shape.length) {
      throw new IllegalArgumentException(what + " " + axis + " is out of range for a rank-" + shape.length + " tensor");
    }
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    int inner = 1;
    for (int d = axis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    return new AxisView(outer, shape[axis], inner);
  }
}
