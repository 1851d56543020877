// A chain the cycle-level model found stuck: no beat moved for longer than any live chain takes.
package org.qcc.simulator.cycle;

import org.qcc.ir.DiagnosticException;

/** The chain deadlocked; the message names the stages that hold it up. */
public final class DeadlockException extends DiagnosticException {
  DeadlockException(String message) {
    super("dataflow", message);
  }
}
