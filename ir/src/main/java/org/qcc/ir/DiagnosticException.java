// Carries a Diagnostic out of parsing, import and validation.
package org.qcc.ir;

/** Thrown for bad input; the message is the diagnostic's one line. */
public class DiagnosticException extends RuntimeException {
  private final Diagnostic diagnostic;

  public DiagnosticException(Diagnostic diagnostic) {
    super(diagnostic.toString());
    this.diagnostic = diagnostic;
  }

  public DiagnosticException(String location, String message) {
    this(new Diagnostic(location, message));
  }

  public DiagnosticException(String location, String message, Throwable cause) {
    super(new Diagnostic(location, message).toString(), cause);
    this.diagnostic = new Diagnostic(location, message);
  }

  public Diagnostic diagnostic() {
    return diagnostic;
  }
}
