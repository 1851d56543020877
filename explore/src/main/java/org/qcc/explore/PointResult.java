// A point's measured outcome: accuracy, estimated resources, simulated speed and energy.
package org.qcc.explore;

import java.io.Serializable;
import java.util.Map;

/**
 * {@code status}: {@code ok} (every metric), {@code no-hardware} (accuracy only: the hardware
 * chain cannot build the point, {@code error} says why) or {@code failed} (nothing but the error).
 * Hardware metrics are null unless ok; {@code layers} maps each layer to its estimated resources.
 */
public record PointResult(
    String id,
    Map<String, Object> config,
    String label,
    String family,
    String pipeline,
    String status,
    String error,
    Double top1,
    int images,
    Long luts,
    Long ffs,
    Long dsps,
    Long brams,
    Double cyclesPerImage,
    Long latencyCycles,
    Double imagesPerSecond,
    Double energyNj,
    Boolean fits,
    String bottleneck,
    double seconds,
    Map<String, Map<String, Long>> layers) implements Serializable {

  public static final String OK = "ok";
  public static final String NO_HARDWARE = "no-hardware";
  public static final String FAILED = "failed";

  public boolean hasHardware() {
    return status.equals(OK);
  }

  /** This result with no evaluation time, the one field that differs between two evaluations of a point. */
  public PointResult untimed() {
    return new PointResult(id, config, label, family, pipeline, status, error, top1, images, luts, ffs, dsps, brams, cyclesPerImage, latencyCycles, imagesPerSecond, energyNj, fits, bottleneck, 0, layers);
  }
}
