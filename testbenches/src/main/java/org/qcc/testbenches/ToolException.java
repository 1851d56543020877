// An external tool (Verilator, yosys, nextpnr) is missing or failed.
package org.qcc.testbenches;

/** An external tool is missing or failed; the message says which and how. */
public final class ToolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ToolException(String message) {
    super(message);
  }
}
