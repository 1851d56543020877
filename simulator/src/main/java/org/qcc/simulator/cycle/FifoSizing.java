// FIFO sizing: the smallest residual queues that keep a chain's pace, found with the cycle-level model.
package org.qcc.simulator.cycle;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.DiagnosticException;

/**
 * Shrinks each residual queue of a {@link Dataflow} to the fewest places with which the chain,
 * simulated on a stream of images with its output always ready and with it ready two cycles in
 * three, neither deadlocks nor takes a cycle longer than with the queue as given. A residual queue
 * must hold what the fork emits before the add can start, which depends on the layers between
 * them; sized for a whole image it always does, and usually holds far more than it needs.
 */
public final class FifoSizing {
  private FifoSizing() {}

  /** A residual queue resized: its stage, and its depth before and after. */
  public record Change(String stage, int from, int to) {}

  /** The sized chain and what changed. */
  public record Result(Dataflow dataflow, List<Change> changes) {}

  /** Images each trial streams: enough for the chain to reach its steady state. */
  private static final int IMAGES = 6;

  /** Sizes every residual queue of {@code d} in turn, from the first stage on. */
  public static Result minimize(Dataflow d) {
    Pace goal = Pace.of(d);
    if (goal == null) {
      throw new DiagnosticException("dataflow", "the chain deadlocks with its queues as given, so there is no pace to keep");
    }
    List<Dataflow.Stage> stages = new ArrayList<>(d.stages());
    List<Change> changes = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      Dataflow.Stage s = stages.get(i);
      if (!s.fork()) {
        continue;
      }
      int lo = 1;
      int hi = s.forkDepth();
      // The smallest depth that keeps the pace: keeping it is monotone in the depth.
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        stages.set(i, s.withForkDepth(mid));
        if (goal.keptBy(new Dataflow(stages))) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      stages.set(i, s.withForkDepth(lo));
      if (lo != s.forkDepth()) {
        changes.add(new Change(s.name(), s.forkDepth(), lo));
      }
    }
    return new Result(new Dataflow(stages), changes);
  }

  /** A chain's cycles for the trial stream, without and with back-pressure. */
  private record Pace(long free, long pressed) {
    /** The pace of {@code d}, or null when it deadlocks. */
    static Pace of(Dataflow d) {
      try {
        return new Pace(CycleSimulator.run(d, IMAGES, false).cycles(), CycleSimulator.run(d, IMAGES, true).cycles());
      } catch (DeadlockException deadlock) {
        return null;
      }
    }

    boolean keptBy(Dataflow d) {
      Pace p = of(d);
      return p != null && p.free <= free && p.pressed <= pressed;
    }
  }
}
