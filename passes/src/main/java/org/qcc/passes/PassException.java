// A pipeline that cannot run as written, or a pass that cannot apply: located at the pass.
package org.qcc.passes;

import org.qcc.ir.DiagnosticException;

/** Reported as {@code pass 'NAME': message}. */
public final class PassException extends DiagnosticException {
  public PassException(String pass, String message) {
    super("pass '" + pass + "'", message);
  }
}
