// qcc synth: yosys synthesis of a compiled hardware design, resources per layer.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
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
      "design and per layer, and every cell type. xc7: LUTs, flip-flops, carry chains, DSP48s,",
      "block and distributed RAM (synth_xilinx). ice40 / up5k: LUT4s, flip-flops, carries, block",
      "RAM, and on the UP5K its DSPs and SPRAM (synth_ice40); up5k also checks the design fits,",
      "refusing before synthesis a design whose weights alone cannot."
    },
    footer = {
      "%nExamples:",
      "  qcc compile mlp.qir --target rtl -o hw/",
      "  qcc synth hw/ --device xc7",
      "  qcc synth hw/ --device up5k --json"
    })
final class SynthCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", description = "A design folder from qcc compile --target rtl.")
  Path dir;

  @Option(names = "--device", required = true, description = "What to synthesize for: ${COMPLETION-CANDIDATES}.")
  Synthesis.Device device;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    Synthesis.Report r = Synthesis.run(dir, device, step -> {
      if (!common.json) {
        err.println("qcc: " + step + "...");
      }
    });
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
}
