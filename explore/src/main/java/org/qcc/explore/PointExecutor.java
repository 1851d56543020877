// Where a sweep's points are evaluated: threads of this process, or the workers of a cluster.
package org.qcc.explore;

import java.util.List;
import java.util.function.Consumer;

/**
 * Every executor evaluates a point with the same {@link PointEvaluator} code and hands results back
 * to the caller's thread, where the {@link Explorer} stores them; so a store holds the same
 * results whichever executor filled it, and a sweep can be resumed on another.
 */
public interface PointExecutor extends AutoCloseable {
  /** Points it evaluates at once. */
  int parallelism();

  /** What shapes a point's results besides its choices: the evaluator's {@link PointEvaluator#context()}. */
  String context();

  /**
   * Evaluates {@code points}, giving each result to {@code done} on the calling thread as it
   * finishes. Safe to call from several threads at once.
   */
  void evaluate(List<Point> points, Consumer<PointResult> done);

  /** Writes {@code p}'s RTL, co-simulates it on Verilator and synthesizes it with yosys where those are installed. */
  Confirmation confirm(Point p);

  @Override
  void close();
}
