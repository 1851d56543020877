// A user-facing error with the place it refers to.
package org.qcc.ir;

/**
 * What is wrong and where (file, node, tensor, line): the CLI prints it as one line, so control
 * characters from names in a damaged file are escaped.
 */
public record Diagnostic(String location, String message) {
  @Override
  public String toString() {
    String text = location == null || location.isEmpty() ? message : location + ": " + message;
    StringBuilder sb = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      if (c < 0x20 || c == 0x7F) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
