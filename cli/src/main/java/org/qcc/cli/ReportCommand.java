// qcc report: an explore database as an HTML page with plots, and as CSV or JSON.
package org.qcc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.explore.Confirmation;
import org.qcc.explore.Objective;
import org.qcc.explore.PointResult;
import org.qcc.explore.Report;
import org.qcc.explore.ResultsStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    description = {
      "Report a `qcc explore` database: a self-contained HTML page (-o) with SVG plots of top-1",
      "accuracy against LUTs, throughput and energy (integer, minifloat, block and mixed points in",
      "their own colours, each plot's Pareto front drawn), the front's points with their per-layer",
      "resources, and a sortable table of every point; --csv and --export-json write the same rows.",
      "The database may still be growing: a report reads the points finished so far."
    },
    footer = {
      "%nExamples:",
      "  qcc report results.db -o report.html",
      "  qcc report results.db --csv points.csv --export-json points.json",
      "  qcc report results.db -o report.html --objectives top1,dsps"
    })
final class ReportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DB", description = "A results database written by qcc explore.")
  Path db;

  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the HTML report here.")
  Path output;

  @Option(names = "--csv", paramLabel = "FILE", description = "Write every point as CSV.")
  Path csv;

  @Option(names = "--export-json", paramLabel = "FILE", description = "Write every point, with its configuration and per-layer resources, as JSON.")
  Path exportJson;

  @Option(names = "--objectives", defaultValue = "top1,luts,throughput", split = ",", description = "The front the tables follow (default: ${DEFAULT-VALUE}).")
  List<String> objectives;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (output == null && csv == null && exportJson == null) {
      throw new ParameterException(spec.commandLine(), "nothing to write: give -o FILE, --csv FILE or --export-json FILE");
    }
    List<Objective> front = objectives.stream().map(Objective::named).toList();
    Map<String, String> meta;
    List<PointResult> points;
    Map<String, Confirmation> confirmations;
    try (ResultsStore store = ResultsStore.open(db, false)) {
      meta = store.meta();
      points = store.points();
      confirmations = store.confirmations();
    }
    List<Map<String, Object>> rows = Report.rows(points, front);
    Map<String, Object> written = new LinkedHashMap<>();
    if (output != null) {
      Models.writeAtomically(output, Report.html(meta, points, front, confirmations).getBytes(StandardCharsets.UTF_8));
      written.put("html", output.toString());
    }
    if (csv != null) {
      Models.writeAtomically(csv, Report.csv(rows).getBytes(StandardCharsets.UTF_8));
      written.put("csv", csv.toString());
    }
    if (exportJson != null) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("meta", meta);
      doc.put("points", points.stream().map(ExploreCommand::json).toList());
      doc.put("confirmations", confirmations.values());
      Models.writeAtomically(exportJson, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
      written.put("json", exportJson.toString());
    }
    long onFront = rows.stream().filter(r -> Boolean.TRUE.equals(r.get("pareto"))).count();
    var out = spec.commandLine().getOut();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("db", db.toString());
      o.put("points", points.size());
      o.put("front", onFront);
      o.put("written", written);
      Json.print(out, o);
    } else {
      out.printf("report of %s: %d points, %d on the front over %s%n", db, points.size(), onFront, String.join(", ", objectives));
      written.forEach((kind, file) -> out.printf("  %s: %s%n", kind, file));
    }
    return Qcc.OK;
  }
}
