// qcc synth: yosys synthesis of a compiled hardware design, resources per layer.
package org.qcc.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.qcc.backends.rtl.Manifest;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cost.CostFit;
import org.qcc.simulator.cost.CostModel;
import org.qcc.testbenches.Bitstream;
import org.qcc.testbenches.Synthesis;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "synth",
    description = {
      "Synthesize a design written by `qcc compile --target rtl` with yosys, keeping each layer a",
      "module of its own, and write DIR/synth/DEVICE/report.json: resources by kind for the whole",
      "design and per layer, and every cell type. xc7 (7-series) / xcu (UltraScale): LUTs,",
      "flip-flops, carry chains, DSP48s, block and distributed RAM (synth_xilinx). ice40 / up5k: LUT4s, flip-flops, carries, block",
      "RAM, and on the UP5K its DSPs and SPRAM (synth_ice40); up5k also checks the design fits,",
      "refusing before synthesis a design whose weights alone cannot.",
      "With --bitstream (up5k only): the design's serial classifier for the iCEBreaker board,",
      "synthesized, placed and routed at 12 MHz (nextpnr-ice40) and packed (icepack) into",
      "DIR/bitstream/NAME.bin, with the utilization and the Fmax nextpnr reaches in",
      "DIR/bitstream/report.json. Program it with `iceprog DIR/bitstream/NAME.bin`.",
      "With --estimate: no synthesis; the calibrated cost model's estimate of the same counts per",
      "layer and in all (milliseconds), with the error the model had on held-out layers, and next",
      "to each layer what the folder's last synthesis for the device counted, if there is one. qcc",
      "ships models for xc7, xcu, ice40 and up5k; `qcc calibrate-cost` makes one (--cost-model)."
    },
    footer = {
      "%nExamples:",
      "  qcc compile mlp.qir --target rtl -o hw/",
      "  qcc synth hw/ --device xc7",
      "  qcc synth hw/ --device up5k --json",
      "  qcc synth hw/ --device xc7 --estimate",
      "  qcc compile tiny.qir --target rtl -o tiny_hw/ --pe 1 --simd 1",
      "  qcc synth tiny_hw/ --device up5k --bitstream"
    })
final class SynthCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "A design folder from qcc compile --target rtl.")
  Path dir;

  @Option(names = "--device", required = true, description = "What to synthesize for: ${COMPLETION-CANDIDATES}.")
  Synthesis.Device device;

  @Option(names = "--bitstream", description = "Build the iCEBreaker bitstream of the design's serial classifier (--device up5k).")
  boolean bitstream;

  @Option(names = "--estimate", description = "Estimate the resources with the calibrated cost model instead of synthesizing.")
  boolean estimate;

  @Option(names = "--cost-model", paramLabel = "FILE", description = "With --estimate: a model from qcc calibrate-cost (default: the one qcc ships for --device).")
  Path costModel;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    java.util.function.Consumer<String> progress = common.progress(spec.commandLine().getErr());
    if (bitstream) {
      if (device != Synthesis.Device.up5k) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--bitstream builds for the iCEBreaker's UP5K: use --device up5k");
      }
      return printBitstream(Bitstream.run(dir, progress));
    }
    if (estimate) {
      return printEstimate();
    }
    Synthesis.Report r = Synthesis.run(dir, device, progress);
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", r.design());
      o.put("device", device.name());
      o.put("total", r.total());
      o.put("layers", r.layers());
      if (!device.capacity().isEmpty()) {
        o.put("capacity", device.capacity());
        o.put("fits", r.fits());
      }
      o.put("seconds", r.seconds());
      o.put("report", r.file().toString());
      Json.print(out, o);
    } else {
      out.printf("synth %s for %s in %.1f s: %s%n", r.design(), device, r.seconds(), r.total());
      for (Synthesis.LayerResources l : r.layers()) {
        out.printf("  %s (%s): %s%n", l.module(), l.node(), l.resources());
      }
      if (!device.capacity().isEmpty()) {
        out.printf("  %s the %s (%s)%n", r.fits() ? "fits" : "DOES NOT FIT", device, device.capacity());
      }
      out.println("  report: " + r.file());
    }
    return r.fits() ? Qcc.OK : Qcc.CHECK_FAILED;
  }

  /** The cost model's estimate of the design's resources, per layer as yosys would count them. */
  private int printEstimate() {
    CostModel model = costModel == null ? CostModel.shipped(device.name()) : CostModel.read(costModel);
    if (!model.device().equals(device.name())) {
      throw new DiagnosticException(costModel.toString(), "the cost model is for " + model.device() + ", not " + device);
    }
    Manifest m = Manifest.read(dir);
    CostModel.Estimate e = model.estimate(m.dataflow(dir));
    var out = spec.commandLine().getOut();
    String lutKind = CostFit.lutKind(device.name());
    CostFit.Error lut = model.heldOutErrors().get(lutKind);
    List<Map<String, Long>> synthesized = lastSynthesis();
    String over = device.overCapacity(e.total());
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", m.name());
      o.put("device", device.name());
      o.put("estimated", true);
      o.put("total", e.total());
      o.put("layers", e.stages());
      o.put("not_counted", e.notCounted());
      o.put("model", model.calibration());
      o.put("held_out_errors", model.heldOutErrors());
      o.put("synthesized_layers", synthesized);
      if (!device.capacity().isEmpty()) {
        o.put("capacity", device.capacity());
        o.put("fits", over == null);
      }
      Json.print(out, o);
    } else {
      out.printf("estimate for %s on %s: %s%n", m.name(), device, e.total());
      for (int i = 0; i < e.stages().size(); i++) {
        CostModel.StageResources s = e.stages().get(i);
        out.printf("  %s: %s%n", s.name(), s.resources());
        if (synthesized != null && i < synthesized.size()) {
          long real = synthesized.get(i).getOrDefault(lutKind, 0L);
          out.printf("    synthesized: %s (LUTs %+.1f%%)%n", synthesized.get(i), 100.0 * (s.resources().getOrDefault(lutKind, 0L) - real) / Math.max(real, 1));
        }
      }
      e.notCounted().forEach(n -> out.println("  not counted: " + n));
      if (!device.capacity().isEmpty()) {
        out.printf("  %s the %s (%s)%n", over == null ? "would fit" : "would NOT fit (" + over + ")", device, device.capacity());
      }
      out.printf("  cost model: %s; held-out LUT error %.1f%% (mean absolute percentage)%n", model.calibration(), lut == null ? Double.NaN : lut.fitted());
    }
    return Qcc.OK;
  }

  /** Each layer's resources in the folder's last {@code qcc synth} report for the device, as the model counts them; null when there is none. */
  private List<Map<String, Long>> lastSynthesis() {
    Path report = dir.resolve("synth").resolve(device.name()).resolve("report.json");
    if (!Files.isRegularFile(report)) {
      return null;
    }
    try {
      List<Map<String, Long>> layers = new ArrayList<>();
      for (JsonNode layer : Json.MAPPER.readTree(report.toFile()).path("layers")) {
        Map<String, Long> r = new TreeMap<>();
        layer.path("resources").fields().forEachRemaining(f -> r.put(f.getKey(), f.getValue().asLong()));
        layers.add(CostFit.observed(r));
      }
      return layers;
    } catch (IOException ex) {
      throw new DiagnosticException(report.toString(), "not a synthesis report: " + ex.getMessage().lines().findFirst().orElse(""));
    }
  }

  /** The bitstream's report; a design that does not reach the board's clock fails the check. */
  private int printBitstream(Bitstream.Report r) {
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", r.design());
      o.put("used", r.used());
      o.put("available", r.available());
      o.put("fmax_mhz", r.fmaxMhz());
      o.put("target_mhz", r.targetMhz());
      o.put("meets_clock", r.meetsClock());
      o.put("bitstream", r.bitstream() == null ? null : r.bitstream().toString());
      o.put("seconds", r.seconds());
      Json.print(out, o);
    } else {
      out.printf("%s %s for the iCEBreaker (UP5K) in %.1f s%n", r.meetsClock() ? "bitstream " + r.bitstream() + " of" : "no bitstream: the routed design misses the clock,", r.design(), r.seconds());
      r.used().forEach((k, v) -> out.printf("  %-14s %6d / %d%n", k, v, r.available().get(k)));
      out.printf("  Fmax %.2f MHz (%s the board's %.0f MHz)%n", r.fmaxMhz(), r.meetsClock() ? "meets" : "DOES NOT MEET", r.targetMhz());
      out.println("  report: " + dir.resolve("bitstream").resolve("report.json"));
    }
    return r.meetsClock() ? Qcc.OK : Qcc.CHECK_FAILED;
  }
}
