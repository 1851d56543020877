// qcc calibrate-cost: synthesizes a grid of layers, fits the resource cost model, reports its held-out error.
package org.qcc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.simulator.cost.CostFit;
import org.qcc.simulator.cost.CostSamples;
import org.qcc.testbenches.CostCalibration;
import org.qcc.testbenches.Folders;
import org.qcc.testbenches.Synthesis;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "calibrate-cost",
    description = {
      "Calibrate the resource cost model against yosys. Synthesizes the calibration grid (small",
      "two-layer networks drawn from a seeded generator: integer and minifloat formats of 2 to 8",
      "bits, dense and 2:4 sparse weights, fully-connected and convolutional layers, PE and SIMD",
      "folding), appending each network's layers to the samples file as it finishes, so a stopped",
      "run resumes where it was. Then fits the model's coefficients on three layers in four and",
      "reports the error on the fourth (held out), for the fitted model and for the analytic",
      "operator model, and writes the fitted model (a JSON data file; qcc ships one per device,",
      "made by this command). --fit-only refits from the samples without synthesizing."
    },
    footer = {
      "%nExamples:",
      "  qcc calibrate-cost --device xc7 --points 40 --samples xc7-samples.jsonl -o xc7-model.json",
      "  qcc calibrate-cost --device ice40 --samples ice40-samples.jsonl --fit-only -o ice40-model.json",
      "  qcc synth hw/ --estimate --device xc7 --cost-model xc7-model.json"
    })
final class CalibrateCostCommand implements Callable<Integer> {
  @Option(names = "--device", required = true, description = "What to synthesize for: ${COMPLETION-CANDIDATES}.")
  Synthesis.Device device;

  @Option(names = "--points", description = "Grid points (networks) to synthesize (default: ${DEFAULT-VALUE}).", defaultValue = "160")
  int points;

  @Option(names = "--samples", required = true, description = "The samples file: read, and appended to as points finish.")
  Path samples;

  @Option(names = "--fit-only", description = "Fit the samples on file; synthesize nothing.")
  boolean fitOnly;

  @Option(names = {"-o", "--output"}, description = "Where to write the fitted model (JSON).")
  Path output;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (points < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--points must be at least 1, got " + points);
    }
    CostFit.traits(device.name());
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> json = new LinkedHashMap<>();
    if (!fitOnly) {
      Path work = Files.createTempDirectory("qcc-calibrate");
      CostCalibration.Collected c;
      try {
        c = CostCalibration.collect(device, points, samples, work, common.progress(spec.commandLine().getErr()));
      } finally {
        Folders.delete(work);
      }
      json.put("synthesized", c.synthesized());
      json.put("resumed", c.resumed());
      json.put("skipped", c.skipped());
      json.put("seconds", c.seconds());
      if (!common.json) {
        out.printf("synthesized %d grid points in %.0f s (%d already on file, %d skipped)%n", c.synthesized(), c.seconds(), c.resumed(), c.skipped());
      }
    }
    List<CostSamples.Point> all = CostSamples.read(samples, device.name());
    CostFit.Result fit = CostFit.fit(device.name(), all);
    if (output != null) {
      fit.model().write(output);
    }
    json.put("device", device.name());
    json.put("layers", fit.layers());
    json.put("held_out", fit.heldOut());
    json.put("errors", fit.errors());
    json.put("model", output == null ? null : output.toString());
    if (common.json) {
      Json.print(out, json);
    } else {
      out.printf("%s: %d layers, %d held out; mean absolute percentage error on the held-out layers that have the resource:%n", device, fit.layers(), fit.heldOut());
      out.printf("  %-8s %8s %10s %8s %16s%n", "resource", "fitted", "analytic", "layers", "fitted, 4-fold");
      fit.errors().forEach((kind, e) -> out.printf("  %-8s %7.1f%% %10s %8d %15.1f%%%n", kind, e.fitted(), e.analytic() == null ? "-" : String.format("%.1f%%", e.analytic()), e.layers(), e.crossValidated()));
      if (output != null) {
        out.println("  model: " + output);
      }
    }
    return Qcc.OK;
  }
}
