// What a running pass can reach: cached analyses, calibration data and its statistics counters.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Shared by every pass of one pipeline run over one graph. */
public final class PassContext {
  private final AnalysisManager analyses;
  private final CalibrationData calibration;
  private final Map<String, Long> statistics = new LinkedHashMap<>();
  private final List<String> warnings = new ArrayList<>();
  private String currentPass = "";

  /** {@code calibration} may be null when no data was given. */
  public PassContext(AnalysisManager analyses, CalibrationData calibration) {
    this.analyses = analyses;
    this.calibration = calibration;
  }

  /** The samples data-driven passes learn from, when the user gave some. */
  public Optional<CalibrationData> calibration() {
    return Optional.ofNullable(calibration);
  }

  public AnalysisManager analyses() {
    return analyses;
  }

  public <R> R get(Analysis<R> analysis) {
    return analyses.get(analysis);
  }

  /** Adds {@code delta} to the running pass's statistic {@code name} (e.g. "nodes-removed"). */
  public void stat(String name, long delta) {
    statistics.merge(currentPass + "." + name, delta, Long::sum);
  }

  /**
   * Records that the running pass left something undone that the user asked for (a layer it
   * cannot handle, say); the message should name the layer.
   */
  public void warn(String message) {
    warnings.add("pass '" + currentPass + "': " + message);
  }

  /** Every warning, each prefixed with the pass that raised it. */
  public List<String> warnings() {
    return java.util.Collections.unmodifiableList(warnings);
  }

  /** Every statistic as {@code pass.name}, in the order first reported. */
  public Map<String, Long> statistics() {
    return java.util.Collections.unmodifiableMap(statistics);
  }

  /** Makes {@code pass} the owner of new statistics; returns the previous owner to restore. */
  String enter(String pass) {
    String prior = currentPass;
    currentPass = pass;
    return prior;
  }
}
