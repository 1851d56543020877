// The outcome of one ONNX backend test case.
package org.qcc.cli.conformance;

/**
 * PASS; FAIL (qcc ran it and got it wrong, or crashed); UNSUPPORTED (with the reason); BAD_DATA
 * (the case's own data contradicts its model or the ONNX spec, see ConformanceRunner).
 */
public record CaseResult(String suite, String name, Status status, String reason) {
  public enum Status { PASS, FAIL, UNSUPPORTED, BAD_DATA }
}
