// qcc synth --bitstream: a design's serial classifier placed, routed and packed for the iCEBreaker.
package org.qcc.testbenches;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.qcc.backends.rtl.Manifest;

/**
 * Builds the iCEBreaker bitstream of the serial classifier in a design folder: yosys {@code
 * synth_ice40} of the board's top level, nextpnr-ice40 for the UP5K in its sg48 package at the
 * board's 12 MHz, and icepack, all under {@code DIR/bitstream}. The bitstream appears under its
 * name only when every step succeeded and the routed design meets the clock (a design that does
 * not would misbehave on the board), so an interrupted or failed build leaves none that looks
 * complete; the report is written either way.
 */
public final class Bitstream {
  private Bitstream() {}

  /**
   * The outcome: the placed design's use of each resource nextpnr counts, and what the device
   * has; the clock frequency the routed design reaches and the one asked for (MHz); the bitstream
   * (null when the design misses the clock); and the seconds all the tools took.
   */
  public record Report(String design, Map<String, Long> used, Map<String, Long> available, double fmaxMhz, double targetMhz, Path bitstream, double seconds) {
    public boolean meetsClock() {
      return fmaxMhz >= targetMhz;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Builds the bitstream of design folder {@code dir}; {@code progress} hears each tool start. */
  public static Report run(Path dir, Consumer<String> progress) {
    Manifest m = Manifest.read(dir);
    Manifest.Board board = m.serialClassifier(dir);
    Synthesis.checkFits(dir, m, Synthesis.Device.up5k);
    ExternalTool.require("yosys", "yosys");
    ExternalTool.require("nextpnr-ice40", "nextpnr-ice40");
    ExternalTool.require("icepack", "fpga-icestorm");
    Path out = dir.resolve("bitstream");
    String relative = dir.relativize(out).toString();
    Path bin = out.resolve(m.name() + ".bin");
    try {
      Files.createDirectories(out);
      Files.deleteIfExists(bin);
      long start = System.nanoTime();
      StringBuilder script = new StringBuilder("read_verilog -sv");
      m.defines().forEach(d -> script.append(" -D").append(d));
      m.sources().forEach(s -> script.append(' ').append(s));
      script.append(' ').append(board.source()).append('\n');
      script.append(Synthesis.Device.up5k.command(board.top())).append(" -json ").append(relative).append("/netlist.json\n");
      Files.writeString(out.resolve("synth.ys"), script);
      progress.accept("synthesizing " + m.name() + "'s serial classifier with yosys");
      ExternalTool.run(dir, List.of("yosys", "-s", relative + "/synth.ys"), out.resolve("yosys.log"));

      double target = board.clockHz() / 1e6;
      progress.accept("placing and routing for the UP5K at " + target + " MHz with nextpnr-ice40");
      ExternalTool.run(dir, List.of("nextpnr-ice40", "--up5k", "--package", "sg48", "--json", relative + "/netlist.json", "--pcf", board.pins(),
          "--freq", String.valueOf(target), "--asc", relative + "/routed.asc", "--report", relative + "/nextpnr.json", "--seed", "1", "--timing-allow-fail"), out.resolve("nextpnr.log"));

      JsonNode nextpnr = JSON.readTree(out.resolve("nextpnr.json").toFile());
      Map<String, Long> used = new LinkedHashMap<>();
      Map<String, Long> available = new LinkedHashMap<>();
      nextpnr.path("utilization").fields().forEachRemaining(e -> {
        used.put(e.getKey(), e.getValue().path("used").asLong());
        available.put(e.getKey(), e.getValue().path("available").asLong());
      });
      List<Double> clocks = new ArrayList<>();
      nextpnr.path("fmax").forEach(c -> clocks.add(c.path("achieved").asDouble()));
      if (clocks.isEmpty()) {
        throw new ToolException("nextpnr-ice40 reported no clock (see " + out.resolve("nextpnr.log") + ")");
      }
      double fmax = clocks.stream().mapToDouble(Double::doubleValue).min().getAsDouble();
      if (fmax >= target) {
        progress.accept("packing the bitstream with icepack");
        Path partial = out.resolve(m.name() + ".bin.partial");
        ExternalTool.run(dir, List.of("icepack", relative + "/routed.asc", dir.relativize(partial).toString()));
        Files.move(partial, bin, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      double seconds = (System.nanoTime() - start) / 1e9;

      Report r = new Report(m.name(), used, available, fmax, target, fmax >= target ? bin : null, seconds);
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("design", m.name());
      json.put("board", board.board());
      json.put("device", "iCE40 UP5K sg48");
      json.put("baud", board.baud());
      json.put("used", used);
      json.put("available", available);
      json.put("fmax_mhz", fmax);
      json.put("target_mhz", target);
      json.put("meets_clock", r.meetsClock());
      json.put("bitstream", r.bitstream() == null ? null : out.relativize(bin).toString());
      json.put("seconds", seconds);
      JSON.writeValue(out.resolve("report.json").toFile(), json);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
