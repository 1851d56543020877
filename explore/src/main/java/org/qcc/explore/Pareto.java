// Pareto fronts: the points no other point beats on every objective at once.
package org.qcc.explore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Only points that have every objective's metric and fit the device compete: a design over
 * budget is no candidate, however good its numbers.
 */
public final class Pareto {
  private Pareto() {}

  /** The non-dominated points under {@code objectives}, sorted by the first objective, best first. */
  public static List<PointResult> front(List<PointResult> points, List<Objective> objectives) {
    List<PointResult> candidates = points.stream().filter(r -> !Boolean.FALSE.equals(r.fits()) && objectives.stream().allMatch(o -> o.value(r) != null)).toList();
    List<PointResult> front = new ArrayList<>();
    for (PointResult r : candidates) {
      if (candidates.stream().noneMatch(o -> dominates(o, r, objectives))) {
        front.add(r);
      }
    }
    front.sort(Comparator.comparingDouble((PointResult r) -> -objectives.get(0).score(r)));
    return front;
  }

  /** {@code a} is at least as good as {@code b} on every objective and better on one. */
  public static boolean dominates(PointResult a, PointResult b, List<Objective> objectives) {
    boolean better = false;
    for (Objective o : objectives) {
      double sa = o.score(a);
      double sb = o.score(b);
      if (sa < sb) {
        return false;
      }
      better |= sa > sb;
    }
    return better;
  }
}
