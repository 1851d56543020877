// A graph transform or check that a pipeline can run.
package org.qcc.passes;

import org.qcc.ir.Graph;

/**
 * Rewrites a graph in place and says what it changed. Passes get their options when they are
 * built (see {@link PassInfo}), so {@code run} has no configuration of its own.
 */
@FunctionalInterface
public interface Pass {
  PassResult run(Graph g, PassContext ctx);
}
