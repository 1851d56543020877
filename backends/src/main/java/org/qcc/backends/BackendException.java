// A model a backend cannot compile, or a toolchain that cannot run: one line for the user.
package org.qcc.backends;

/** Raised at compile time with the op and node at fault, or when a native toolchain is unusable. */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An error at node {@code n}: {@code node 'NAME' (OP): why}. */
  public static BackendException at(org.qcc.ir.Node n, String why) {
    return new BackendException("node '" + n.name() + "' (" + n.qualifiedOp() + "): " + why);
  }

  public BackendException(String message) {
    super(message);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
