// Lazily computed, cached analysis results for one graph.
package org.qcc.passes;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.qcc.ir.Graph;

/** Computes each analysis at most once between invalidations; counts computations for tests. */
public final class AnalysisManager {
  private final Graph graph;
  private final Map<Analysis<?>, Object> cache = new HashMap<>();
  private final Map<String, Integer> computed = new HashMap<>();

  public AnalysisManager(Graph graph) {
    this.graph = graph;
  }

  @SuppressWarnings("unchecked")
  public <R> R get(Analysis<R> analysis) {
    Object r = cache.get(analysis);
    if (r == null) {
      r = analysis.compute(graph, this);
      cache.put(analysis, r);
      computed.merge(analysis.name(), 1, Integer::sum);
    }
    return (R) r;
  }

  /** Drops every cached result except those in {@code preserved}. */
  public void invalidateExcept(Set<Analysis<?>> preserved) {
    cache.keySet().retainAll(preserved);
  }

  /** How many times {@code name} has been computed. */
  public int computations(String name) {
    return computed.getOrDefault(name, 0);
  }
}
