// What a Pareto front trades off: accuracy against resources, speed and energy.
package org.qcc.explore;

import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.qcc.ir.DiagnosticException;

/** A metric of a point and which way is better. Null when the point has no such metric. */
public enum Objective {
  TOP1("top1", "top-1 accuracy (%)", true, r -> r.top1() == null ? null : 100 * r.top1()),
  LUTS("luts", "LUTs", false, r -> r.luts() == null ? null : r.luts().doubleValue()),
  FFS("ffs", "flip-flops", false, r -> r.ffs() == null ? null : r.ffs().doubleValue()),
  DSPS("dsps", "DSP blocks", false, r -> r.dsps() == null ? null : r.dsps().doubleValue()),
  BRAMS("brams", "block RAMs", false, r -> r.brams() == null ? null : r.brams().doubleValue()),
  THROUGHPUT("throughput", "images per second", true, PointResult::imagesPerSecond),
  LATENCY("latency", "latency (cycles)", false, r -> r.latencyCycles() == null ? null : r.latencyCycles().doubleValue()),
  ENERGY("energy", "energy per image (nJ)", false, PointResult::energyNj);

  private final String key;
  private final String title;
  private final boolean maximize;
  private final Function<PointResult, Double> value;

  Objective(String key, String title, boolean maximize, Function<PointResult, Double> value) {
    this.key = key;
    this.title = title;
    this.maximize = maximize;
    this.value = value;
  }

  public String key() {
    return key;
  }

  public String title() {
    return title;
  }

  public boolean maximize() {
    return maximize;
  }

  public Double value(PointResult r) {
    return value.apply(r);
  }

  /** The value oriented so that larger is better. */
  double score(PointResult r) {
    double v = value.apply(r);
    return maximize ? v : -v;
  }

  public static Objective named(String key) {
    return Arrays.stream(values())
        .filter(o -> o.key.equals(key))
        .findFirst()
        .orElseThrow(() -> new DiagnosticException(key, "unknown objective (objectives: " + Arrays.stream(values()).map(Objective::key).collect(Collectors.joining(", ")) + ")"));
  }
}
