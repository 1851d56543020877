// The executable semantics of one op.
package org.qcc.simulator.functional;

import java.util.List;
import org.qcc.ir.Tensor;

/** Computes a node's outputs from its input tensors. */
@FunctionalInterface
public interface Kernel {
  List<Tensor> run(KernelContext ctx);
}
