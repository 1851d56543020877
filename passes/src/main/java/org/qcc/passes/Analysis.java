// A fact about a graph that passes read, computed on demand and cached until a pass invalidates it.
package org.qcc.passes;

import org.qcc.ir.Graph;

/**
 * An analysis is a constant (usually a singleton) that computes a result from a graph. The
 * {@link AnalysisManager} caches results per analysis; passes name what they preserve.
 */
public interface Analysis<R> {
  String name();

  R compute(Graph g, AnalysisManager analyses);
}
