// The type of a value: element format and shape.
package org.qcc.ir;

import org.qcc.ir.formats.ElementFormat;

/** Element format x shape. Printed as {@code fp32[N,1,28,28]}. */
public record TensorType(ElementFormat format, Shape shape) {

  public static TensorType of(ElementFormat format, long... sizes) {
    return new TensorType(format, Shape.of(sizes));
  }

  public TensorType withShape(Shape s) {
    return new TensorType(format, s);
  }

  public TensorType withFormat(ElementFormat f) {
    return new TensorType(f, shape);
  }

  @Override
  public String toString() {
    return format.name() + shape;
  }
}
