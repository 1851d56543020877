// Which confirmation tools one Spark executor has.
package org.qcc.explore.spark;

import java.io.Serializable;

/** {@code host} as Spark's scheduler names it, so that it can serve as a preferred location. */
record Tools(String host, String executor, boolean verilator, boolean yosys) implements Serializable {
  boolean canConfirm() {
    return verilator && yosys;
  }

  @Override
  public String toString() {
    return "executor " + executor + " on " + host + ": verilator " + (verilator ? "yes" : "no") + ", yosys " + (yosys ? "yes" : "no");
  }
}
