// Raised by shape rules when inputs do not fit the op.
package org.qcc.ir.ops;

/** An input of the wrong rank, size or format; the verifier adds the node's name. */
public class ShapeError extends RuntimeException {
  public ShapeError(String message) {
    super(message);
  }
}
