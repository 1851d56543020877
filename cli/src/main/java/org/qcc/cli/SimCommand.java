// qcc sim: a compiled hardware design in Verilator, checked against the golden interpreter.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
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
      "Simulate a design written by `qcc compile --target rtl`: --verilator builds it with a C++",
      "harness (in DIR/sim), streams the folder's test images through it, and checks every output",
      "bit for bit against the golden interpreter's. Reports the cycles between images once the",
      "pipeline is full, and the first image's latency. Exit code 1 when an output differs.",
      "With --serial: the design's iCEBreaker top level instead, as the board runs it: each image's",
      "input codes go in as serial bytes, and the class that comes back is checked against the",
      "golden outputs' (in DIR/sim-serial)."
    },
    footer = {
      "%nExamples:",
      "  qcc compile mlp.qir --target rtl -o hw/",
      "  qcc sim --verilator hw/",
      "  qcc sim --verilator hw/ --images 2 --trace mlp.vcd",
      "  qcc sim --verilator tiny_hw/ --serial --images 10"
    })
final class SimCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "A design folder from qcc compile --target rtl.")
  Path dir;

  @Option(names = "--verilator", description = "Co-simulate the SystemVerilog with Verilator.")
  boolean verilator;

  @Option(names = "--images", defaultValue = "0", description = "Test images to run (default: all the folder holds).")
  int images;

  @Option(names = "--trace", paramLabel = "FILE", description = "Write the run's waveform as a VCD file.")
  Path trace;

  @Option(names = "--serial", description = "Simulate the board's top level over its serial lines, checking each image's class.")
  boolean serial;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (!verilator) {
      throw new ParameterException(spec.commandLine(), "choose the simulator: --verilator");
    }
    if (images < 0) {
      throw new ParameterException(spec.commandLine(), "--images must be 0 (all) or more");
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
      out.printf("  Verilator build %.1f s, simulation %.2f s%n", r.buildSeconds(), r.simSeconds());
      if (trace != null) {
        out.println("  trace: " + trace);
      }
    }
    return r.bitExact() ? Qcc.OK : Qcc.CHECK_FAILED;
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
