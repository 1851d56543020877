// Pareto fronts: dominance, direction of each objective, and who may compete.
package org.qcc.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParetoTest {
  private static PointResult point(String id, double top1, long luts, double throughput) {
    return ResultsStoreTest.result(id, top1, luts, throughput);
  }

  @Test
  void theFrontKeepsExactlyTheUndominatedPoints() {
    PointResult cheap = point("cheap", 0.80, 1000, 1e4);
    PointResult accurate = point("accurate", 0.90, 5000, 1e4);
    PointResult dominated = point("dominated", 0.79, 2000, 1e4);
    PointResult middle = point("middle", 0.85, 3000, 1e4);
    List<Objective> twoD = List.of(Objective.TOP1, Objective.LUTS);
    assertEquals(List.of(accurate, middle, cheap), Pareto.front(List.of(cheap, accurate, dominated, middle), twoD));
    assertTrue(Pareto.dominates(cheap, dominated, twoD));
    assertFalse(Pareto.dominates(cheap, accurate, twoD));
    assertFalse(Pareto.dominates(cheap, cheap, twoD), "a point does not dominate its equal");

    PointResult fast = point("fast", 0.79, 2000, 9e4);
    List<Objective> threeD = List.of(Objective.TOP1, Objective.LUTS, Objective.THROUGHPUT);
    assertTrue(Pareto.front(List.of(cheap, accurate, dominated, fast), threeD).contains(fast), "a third objective can rescue a point");
  }

  @Test
  void pointsWithoutTheMetricsOrOverBudgetDoNotCompete() {
    PointResult ok = point("ok", 0.80, 1000, 1e4);
    PointResult better = point("over", 0.95, 500, 1e5);
    PointResult over = new PointResult("over", Map.of(), "l", "integer", "p", PointResult.OK, "over budget: lut", 0.95, 500, 500L, 1L, 1L, 1L, 1.0, 1L, 1e5, 1.0, false, "fc1", 1, Map.of());
    PointResult accuracyOnly = new PointResult("acc", Map.of(), "l", "integer", "p", PointResult.NO_HARDWARE, "why", 0.99, 500, null, null, null, null, null, null, null, null, null, null, 1, Map.of());
    assertEquals(List.of(better), Pareto.front(List.of(ok, better), List.of(Objective.TOP1, Objective.LUTS)));
    assertEquals(List.of(ok), Pareto.front(List.of(ok, over, accuracyOnly), List.of(Objective.TOP1, Objective.LUTS)));
    assertEquals(List.of(accuracyOnly), Pareto.front(List.of(ok, accuracyOnly), List.of(Objective.TOP1)), "accuracy alone needs no hardware");
  }
}
