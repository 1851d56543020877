// How a confirmation reads: Verilator's verdict, and synthesis against the estimate.
package org.qcc.explore;

import java.util.Locale;

/** One-line summaries, the same on the terminal and in the report. */
public final class Confirmations {
  private Confirmations() {}

  public static String verilator(Confirmation c) {
    if (c.bitExact() == null) {
      return "Verilator " + c.verilatorNote();
    }
    String verdict = c.bitExact() ? "bit-exact against the golden interpreter on " + c.images() + " images" : "MISMATCH in " + c.mismatches() + " outputs of " + c.images() + " images";
    return String.format(Locale.ROOT, "Verilator %s, %.0f cycles per image (%s)", verdict, c.cyclesPerImage(), Boolean.TRUE.equals(c.cycleModelAgrees()) ? "the cycle-level model's count" : "the cycle-level model DIFFERS");
  }

  public static String synthesis(Confirmation c, PointResult estimate, Device device) {
    if (c.synthesized().isEmpty()) {
      return "yosys " + c.synthesisNote();
    }
    long luts = device.luts(c.synthesized());
    return String.format(Locale.ROOT, "yosys %s: %,d LUTs (estimated %,d, %+.1f%%), %d DSPs, %d BRAMs",
        c.synthesisDevice(), luts, estimate.luts(), 100.0 * (estimate.luts() - luts) / Math.max(1, luts), c.synthesized().getOrDefault("dsp", 0L), c.synthesized().getOrDefault("bram", 0L));
  }
}
