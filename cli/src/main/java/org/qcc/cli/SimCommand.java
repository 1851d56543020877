// qcc sim: a compiled hardware design in Verilator, checked against the golden interpreter.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.qcc.backends.rtl.Manifest;
import org.qcc.simulator.cost.EnergyModel;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.testbenches.ChainCosimulation;
import org.qcc.testbenches.SerialCosimulation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "sim",
    description = {
      "Simulate a design written by `qcc compile --target rtl`. Without --verilator, the cycle-level",
      "model runs its schedule: cycles per image, the first image's latency, throughput at --clock-mhz",
      "and the layer that sets the pace, in a fraction of a second; its counts equal Verilator's. It also",
      "estimates the energy per image from the schedule's operation and memory-access counts.",
      "--verilator builds the design with a C++ harness (in DIR/sim), streams the folder's test images",
      "through it, and checks every output bit for bit against the golden interpreter's. Reports the",
      "cycles between images once the pipeline is full, and the first image's latency. Exit code 1",
      "when an output differs or the cycle-level model counts other cycles than Verilator.",
      "With --serial: the design's iCEBreaker top level instead, as the board runs it: each image's",
      "input codes go in as serial bytes, and the class that comes back is checked against the",
      "golden outputs' (in DIR/sim-serial)."
    },
    footer = {
      "%nExamples:",
      "  qcc compile mlp.qir --target rtl -o hw/",
      "  qcc sim hw/ --images 1000 --clock-mhz 200",
      "  qcc sim --verilator hw/",
      "  qcc sim --verilator hw/ --images 2 --trace mlp.vcd",
      "  qcc sim --verilator tiny_hw/ --serial --images 10"
    })
final class SimCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "A design folder from qcc compile --target rtl.")
  Path dir;

  @Option(names = "--verilator", description = "Co-simulate the SystemVerilog with Verilator.")
  boolean verilator;

  @Option(names = "--images", defaultValue = "0", description = "Images to run (default: the folder's test images; the cycle-level model takes any number).")
  int images;

  @Option(names = "--clock-mhz", defaultValue = "100", description = "The clock for the cycle-level model's throughput and latency (default: 100).")
  double clockMhz;

  @Option(names = "--trace", paramLabel = "FILE", description = "Write the run's waveform as a VCD file.")
  Path trace;

  @Option(names = "--serial", description = "Simulate the board's top level over its serial lines, checking each image's class.")
  boolean serial;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (images < 0) {
      throw new ParameterException(spec.commandLine(), "--images must be 0 (all) or more");
    }
    if (!verilator) {
      if (serial || trace != null) {
        throw new ParameterException(spec.commandLine(), (serial ? "--serial" : "--trace") + " needs --verilator");
      }
      if (!(clockMhz > 0)) {
        throw new ParameterException(spec.commandLine(), "--clock-mhz must be positive");
      }
      return printCycles();
    }
    Consumer<String> progress = common.progress(spec.commandLine().getErr());
    if (serial) {
      if (trace != null) {
        throw new ParameterException(spec.commandLine(), "--trace records the layer chain's run, not --serial's");
      }
      return printSerial(SerialCosimulation.run(dir, images, progress));
    }
    ChainCosimulation.Report r = ChainCosimulation.run(dir, images, trace, progress);
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", r.name());
      o.put("images", r.images());
      o.put("outputs", r.outputs());
      o.put("mismatches", r.mismatchCount());
      o.put("first_mismatches", r.firstMismatches());
      o.put("cycles", r.cycles());
      o.put("cycles_per_image", r.cyclesPerImage());
      o.put("latency_cycles", r.latency());
      o.put("cycle_model_agrees", r.modelAgrees());
      o.put("build_seconds", r.buildSeconds());
      o.put("sim_seconds", r.simSeconds());
      if (trace != null) {
        o.put("trace", trace.toString());
      }
      Json.print(out, o);
    } else {
      String verdict = r.bitExact() ? "all " + r.outputs() + " outputs bit-exact" : "MISMATCH: " + r.mismatchCount() + " of " + r.outputs() + " outputs differ";
      out.printf("sim %s: %d images, %s against the golden interpreter%n", r.name(), r.images(), verdict);
      for (ChainCosimulation.Mismatch m : r.firstMismatches()) {
        out.printf("  image %d output %d: expected %s, got %s%n", m.image(), m.output(), m.expected(), m.actual());
      }
      out.printf("  %.1f cycles per image (%d in all), first image latency %d cycles%n", r.cyclesPerImage(), r.cycles(), r.latency());
      out.printf("  cycle-level model: %s%n", r.modelAgrees() ? "the same counts" : "DIFFERS, " + r.model().cycles() + " cycles and latency " + r.model().latency());
      out.printf("  Verilator build %.1f s, simulation %.2f s%n", r.buildSeconds(), r.simSeconds());
      if (trace != null) {
        out.println("  trace: " + trace);
      }
    }
    // The cycle-level model promises Verilator's counts: a difference is a failed check too.
    return r.bitExact() && r.modelAgrees() ? Qcc.OK : Qcc.CHECK_FAILED;
  }

  private int printCycles() {
    Manifest m = Manifest.read(dir);
    Dataflow d = m.dataflow(dir);
    int count = images == 0 ? m.vectors().images() : images;
    long start = System.nanoTime();
    CycleSimulator.Run r = CycleSimulator.run(d, count, false);
    double seconds = (System.nanoTime() - start) / 1e9;
    EnergyModel.Estimate energy = EnergyModel.perImage(d);
    double imagesPerSecond = r.imagesPerSecond(clockMhz);
    double latencyUs = r.latency() / clockMhz;
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", m.name());
      o.put("simulator", "cycle");
      o.put("images", r.images());
      o.put("cycles", r.cycles());
      o.put("cycles_per_image", r.cyclesPerImage());
      o.put("latency_cycles", r.latency());
      o.put("clock_mhz", clockMhz);
      o.put("images_per_second", imagesPerSecond);
      o.put("latency_us", latencyUs);
      o.put("bottleneck", r.bottleneck().name());
      o.put("layers", r.stages().stream().map(l -> Map.of("name", l.name(), "busy_cycles", l.busyCycles(), "cycles_per_image", l.cyclesPerImage())).toList());
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("estimate_nj_per_image", energy.total() / 1e3);
      energy.byPart().forEach((part, pj) -> e.put(part + "_nj", pj / 1e3));
      e.put("source", energy.source());
      o.put("energy", e);
      o.put("sim_seconds", seconds);
      Json.print(out, o);
    } else {
      out.printf("sim %s (cycle-level model): %d images, %.1f cycles per image, first image latency %d cycles%n", m.name(), r.images(), r.cyclesPerImage(), r.latency());
      out.printf("  at %.0f MHz: %.0f images/s, latency %.2f us%n", clockMhz, imagesPerSecond, latencyUs);
      out.printf("  %-24s %16s %8s%n", "layer", "cycles/image", "busy");
      for (CycleSimulator.StageActivity s : r.stages()) {
        out.printf("  %-24s %16d %7.1f%%%s%n", s.name(), s.cyclesPerImage(), 100.0 * s.busyCycles() / r.cycles(), s == r.bottleneck() ? "  <- bottleneck" : "");
      }
      StringBuilder parts = new StringBuilder();
      energy.byPart().forEach((part, pj) -> parts.append(parts.length() == 0 ? "" : ", ").append(String.format("%s %.1f", part, pj / 1e3)));
      out.printf("  energy, estimated: %.1f nJ per image (%s nJ)%n", energy.total() / 1e3, parts);
      out.printf("    from operation and memory-access counts at 45 nm (%s), not an FPGA measurement%n", energy.source());
      out.printf("  simulated %d cycles in %.3f s%n", r.cycles(), seconds);
    }
    return Qcc.OK;
  }

  private int printSerial(SerialCosimulation.Report r) {
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("design", r.name());
      o.put("images", r.images());
      o.put("baud", r.baud());
      o.put("mismatches", r.mismatchCount());
      o.put("first_mismatches", r.firstMismatches());
      o.put("cycles_per_image", r.cyclesPerImage());
      o.put("build_seconds", r.buildSeconds());
      o.put("sim_seconds", r.simSeconds());
      Json.print(out, o);
    } else {
      String verdict = r.exact() ? "every class as the golden model's" : "MISMATCH: " + r.mismatchCount() + " of " + r.images() + " classes differ";
      out.printf("sim %s over the serial line at %d baud: %d images, %s%n", r.name(), r.baud(), r.images(), verdict);
      for (SerialCosimulation.Mismatch m : r.firstMismatches()) {
        out.printf("  image %d: expected class %d, got byte %d%n", m.image(), m.expected(), m.actual());
      }
      out.printf("  %.0f cycles per image at 12 MHz (%.1f ms, mostly the line)%n", r.cyclesPerImage(), r.cyclesPerImage() / 12e3);
      out.printf("  Verilator build %.1f s, simulation %.2f s%n", r.buildSeconds(), r.simSeconds());
    }
    return r.exact() ? Qcc.OK : Qcc.CHECK_FAILED;
  }
}
