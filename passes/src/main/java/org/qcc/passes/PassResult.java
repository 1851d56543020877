// What a pass did: whether the graph changed and which cached analyses stay valid.
package org.qcc.passes;

import java.util.Set;

/** A pass's answer to the pass manager, which invalidates every analysis not preserved. */
public record PassResult(boolean changed, Set<Analysis<?>> preserved) {
  public PassResult {
    preserved = Set.copyOf(preserved);
  }

  public static PassResult unchanged() {
    return new PassResult(false, Set.of());
  }

  /** The graph changed; only {@code preserved} analyses survive. */
  public static PassResult modified(Analysis<?>... preserved) {
    return new PassResult(true, Set.of(preserved));
  }

  /** {@link #modified} when {@code changed}, else {@link #unchanged}. */
  public static PassResult of(boolean changed, Analysis<?>... preserved) {
    return changed ? modified(preserved) : unchanged();
  }
}
