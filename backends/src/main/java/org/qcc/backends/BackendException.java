// A model a backend cannot compile, or a toolchain that cannot run: one line for the user.
package org.qcc.backends;

/** Raised at compile time with the op and node at fault, or when a native toolchain is unusable. */
public final class BackendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendException(String message) {
    super(message);
  }

  public BackendException(String message, Throwable cause) {
    super(message, cause);
  }
}
