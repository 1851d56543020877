// A front point checked on real tools: Verilator against the golden interpreter, yosys for resources.
package org.qcc.explore;

import java.io.Serializable;
import java.util.Map;

/**
 * {@code bitExact} is null when Verilator did not run, and {@code synthesized} empty when yosys did
 * not; their notes then say why (not installed, with the command that installs it, or the tool's
 * error). {@code cycleModelAgrees}: the cycle-level model counted the cycles Verilator counted.
 */
public record Confirmation(
    String pointId,
    String design,
    Boolean bitExact,
    int images,
    int mismatches,
    Double cyclesPerImage,
    Boolean cycleModelAgrees,
    String verilatorNote,
    String synthesisDevice,
    Map<String, Long> synthesized,
    String synthesisNote,
    double seconds) implements Serializable {}
