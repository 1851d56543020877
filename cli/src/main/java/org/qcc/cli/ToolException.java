// A required external tool is missing or failed.
package org.qcc.cli;

/** Maps to exit code 3. */
public class ToolException extends RuntimeException {
  public ToolException(String message) {
    super(message);
  }
}
