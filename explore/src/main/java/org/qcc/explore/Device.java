// The FPGAs `qcc explore` can budget for: which cost model prices them and what they hold.
package org.qcc.explore;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.qcc.backends.rtl.WeightPlacement;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cost.CostFit;

/**
 * A part and its resources by the cost model's kinds ({@code lut} for 6-input LUTs logic and RAM
 * together, {@code lut4} on iCE40, {@code bram} in 18 Kb blocks on 7-series and UltraScale, 4 Kb on iCE40).
 * A family name alone ({@code xc7}, {@code xcu}, {@code ice40}) prices designs with no budget to fit.
 */
public record Device(String name, String costModel, String description, Map<String, Long> budget) {

  public static final List<Device> KNOWN = List.of(
      new Device("xc7a35t", "xc7", "Artix-7 35T", budget(20_800, 41_600, 90, 100)),
      new Device("xc7a100t", "xc7", "Artix-7 100T", budget(63_400, 126_800, 240, 270)),
      new Device("xc7z020", "xc7", "Zynq-7020 (its programmable logic)", budget(53_200, 106_400, 220, 280)),
      new Device("xc7", "xc7", "any 7-series part (no budget)", Map.of()),
      new Device("xcku040", "xcu", "Kintex UltraScale KU040", budget(242_400, 484_800, 1_920, 1_200)),
      new Device("xcu", "xcu", "any UltraScale part (no budget)", Map.of()),
      new Device("up5k", "up5k", "iCE40 UltraPlus 5K (iCEBreaker)", up5k()),
      new Device("hx8k", "ice40", "iCE40 HX8K", ice40(7_680, 32)),
      new Device("ice40", "ice40", "any iCE40 part (no budget)", Map.of()));

  private static Map<String, Long> budget(long luts, long ffs, long dsps, long brams) {
    Map<String, Long> b = new LinkedHashMap<>();
    b.put("lut", luts);
    b.put("ff", ffs);
    b.put("dsp", dsps);
    b.put("bram", brams);
    return b;
  }

  private static Map<String, Long> ice40(long cells, long brams) {
    Map<String, Long> b = new LinkedHashMap<>();
    b.put("lut4", cells);
    b.put("ff", cells);
    b.put("bram", brams);
    return b;
  }

  /**
   * The UP5K's 5,280 logic cells, 30 block RAMs, 8 DSPs (SB_MAC16) and 4 single-port RAMs, as
   * synth_ice40 -dsp -spram maps them; designs for it load their largest layers' weights into those.
   */
  private static Map<String, Long> up5k() {
    Map<String, Long> b = ice40(5_280, 30);
    b.put("dsp", 8L);
    b.put("spram", (long) WeightPlacement.UP5K_SPRAMS);
    return b;
  }

  /** The single-port RAMs a design may load weights into. */
  public int sprams() {
    return budget.getOrDefault("spram", 0L).intValue();
  }

  public static Device named(String name) {
    return KNOWN.stream()
        .filter(d -> d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new DiagnosticException(name, "unknown device (devices: " + KNOWN.stream().map(Device::name).collect(Collectors.joining(", ")) + ")"));
  }

  /** The kind that counts logic: {@code lut} (LUT6 logic plus LUTRAM) or {@code lut4}. */
  public String lutKind() {
    return CostFit.lutKind(costModel);
  }

  /** Logic LUTs of an estimate's totals, LUTRAM included, as vendors count "LUTs". */
  public long luts(Map<String, Long> total) {
    return total.getOrDefault(lutKind(), 0L) + total.getOrDefault("lutram", 0L);
  }

  /** The first resource over budget, as "lut 31200 > 20800", or null when the design fits. */
  public String overBudget(Map<String, Long> total) {
    for (Map.Entry<String, Long> b : budget.entrySet()) {
      long used = b.getKey().equals(lutKind()) ? luts(total) : total.getOrDefault(b.getKey(), 0L);
      if (used > b.getValue()) {
        return b.getKey() + " " + used + " > " + b.getValue();
      }
    }
    return null;
  }
}
