// Every op the registry defines has an interpreter kernel.
package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.ir.ops.OpDef;
import org.qcc.ir.ops.OpRegistry;

class KernelCoverageTest {
  @Test
  void everyOpHasAKernel() {
    List<String> missing =
        OpRegistry.standard().all().stream().map(OpDef::key).filter(k -> Kernels.lookup(k).isEmpty()).toList();
    assertEquals(List.of(), missing);
  }
}
