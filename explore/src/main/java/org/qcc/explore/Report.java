// The HTML report of a results store: plots, the Pareto front, per-layer resources, every point.
package org.qcc.explore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * One self-contained page: inline CSS, SVG plots and a few lines of script for sorting tables, so
 * it can be mailed or attached to CI runs. Plots show top-1 against LUTs, throughput and energy,
 * each with its own two-objective front; the tables follow {@code objectives}' front.
 */
public final class Report {
  private Report() {}

  public static String html(Map<String, String> meta, List<PointResult> points, List<Objective> objectives, Map<String, Confirmation> confirmations) {
    List<PointResult> front = Pareto.front(points, objectives);
    String title = "qcc explore: " + meta.getOrDefault("model", "model") + " on " + meta.getOrDefault("device", "device");
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(Html.escape(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<h1>").append(Html.escape(title)).append("</h1>\n");
    long ok = points.stream().filter(PointResult::hasHardware).count();
    long failed = points.stream().filter(r -> r.status().equals(PointResult.FAILED)).count();
    long fit = points.stream().filter(r -> Boolean.TRUE.equals(r.fits())).count();
    h.append(String.format(Locale.ROOT, "<p class=\"summary\">%d points: %d with hardware estimates (%d fit the device), %d accuracy only, %d failed. Pareto front over %s: %d points.</p>%n",
        points.size(), ok, fit, points.size() - ok - failed, failed, String.join(", ", objectives.stream().map(Objective::key).toList()), front.size()));
    h.append("<table class=\"meta\">\n");
    meta.forEach((k, v) -> h.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(v)).append("</td></tr>\n"));
    h.append("</table>\n");
    h.append("<h2>Accuracy against cost</h2>\n<div class=\"plots\">\n");
    for (Objective x : List.of(Objective.LUTS, Objective.THROUGHPUT, Objective.ENERGY)) {
      List<Objective> pair = List.of(Objective.TOP1, x);
      h.append(ScatterPlot.svg("top-1 vs " + x.title(), points, x, Objective.TOP1, Pareto.front(points, pair)));
    }
    h.append("</div>\n<p class=\"note\">Filled: fits the device; hollow: over its budget. Outlined and larger: on that plot's Pareto front. Resources are the calibrated cost model's estimates, speed the cycle-level simulator's, energy an estimate from operation and memory-access counts (45 nm figures).</p>\n");
    h.append("<h2>Pareto front</h2>\n").append(table("front", front));
    h.append(confirmed(points, confirmations, meta.get("device")));
    h.append("<h2>Per-layer resources of the front's points</h2>\n");
    for (PointResult r : front) {
      h.append(layers(r));
    }
    h.append("<h2>Every point</h2>\n").append(table("all", points));
    h.append("<script>\n").append(SORT).append("</script>\n</body>\n</html>\n");
    return h.toString();
  }

  /** Points checked on Verilator and yosys, against the estimates they were chosen by. */
  private static String confirmed(List<PointResult> points, Map<String, Confirmation> confirmations, String deviceName) {
    if (confirmations.isEmpty()) {
      return "";
    }
    Device device = Device.named(deviceName);
    StringBuilder t = new StringBuilder("<h2>Confirmed on Verilator and yosys</h2>\n<table class=\"sortable\" id=\"confirmed\">\n<thead><tr>");
    List.of("point", "Verilator", "synthesis", "design").forEach(c -> t.append("<th>").append(c).append("</th>"));
    t.append("</tr></thead>\n<tbody>\n");
    for (PointResult r : points) {
      Confirmation c = confirmations.get(r.id());
      if (c != null) {
        t.append("<tr>");
        cell(t, r.label());
        cell(t, Confirmations.verilator(c));
        cell(t, Confirmations.synthesis(c, r, device));
        cell(t, c.design());
        t.append("</tr>\n");
      }
    }
    return t.append("</tbody>\n</table>\n").toString();
  }

  private static final List<String> COLUMNS = List.of("point", "family", "status", "top-1 %", "LUTs", "FFs", "DSPs", "BRAMs", "images/s", "latency (cycles)", "nJ/image", "fits", "bottleneck", "note");

  private static String table(String id, List<PointResult> rows) {
    StringBuilder t = new StringBuilder("<table class=\"sortable\" id=\"").append(id).append("\">\n<thead><tr>");
    COLUMNS.forEach(c -> t.append("<th>").append(Html.escape(c)).append("</th>"));
    t.append("</tr></thead>\n<tbody>\n");
    for (PointResult r : rows) {
      t.append("<tr>");
      cell(t, r.label());
      cell(t, r.family());
      cell(t, r.status());
      cell(t, r.top1() == null ? null : String.format(Locale.ROOT, "%.2f", 100 * r.top1()));
      cell(t, r.luts());
      cell(t, r.ffs());
      cell(t, r.dsps());
      cell(t, r.brams());
      cell(t, r.imagesPerSecond() == null ? null : String.format(Locale.ROOT, "%.0f", r.imagesPerSecond()));
      cell(t, r.latencyCycles());
      cell(t, r.energyNj() == null ? null : String.format(Locale.ROOT, "%.1f", r.energyNj()));
      cell(t, r.fits() == null ? null : r.fits() ? "yes" : "no");
      cell(t, r.bottleneck());
      cell(t, r.error());
      t.append("</tr>\n");
    }
    return t.append("</tbody>\n</table>\n").toString();
  }

  private static void cell(StringBuilder t, Object v) {
    t.append("<td>").append(v == null ? "" : Html.escape(v.toString())).append("</td>");
  }

  /** A point's layers: each kind's count, and a bar of the layer's share of the LUTs. */
  private static String layers(PointResult r) {
    StringBuilder t = new StringBuilder("<details open><summary>").append(Html.escape(r.label())).append("</summary>\n<table class=\"layers\">\n<tr><th>layer</th>");
    TreeSet<String> kinds = new TreeSet<>();
    r.layers().values().forEach(m -> kinds.addAll(m.keySet()));
    kinds.forEach(k -> t.append("<th>").append(Html.escape(k)).append("</th>"));
    t.append("<th>share of logic</th></tr>\n");
    String lutKind = kinds.contains("lut4") ? "lut4" : "lut";
    long total = Math.max(1, r.layers().values().stream().mapToLong(m -> m.getOrDefault(lutKind, 0L)).sum());
    for (Map.Entry<String, Map<String, Long>> layer : r.layers().entrySet()) {
      t.append("<tr><td>").append(Html.escape(layer.getKey())).append("</td>");
      kinds.forEach(k -> t.append("<td>").append(layer.getValue().getOrDefault(k, 0L)).append("</td>"));
      double share = (double) layer.getValue().getOrDefault(lutKind, 0L) / total;
      t.append(String.format(Locale.ROOT, "<td><svg class=\"bar\" width=\"160\" height=\"12\"><rect width=\"%.1f\" height=\"12\" fill=\"%s\"/></svg> %.0f%%</td></tr>%n",
          160 * Math.max(0, share), ScatterPlot.COLOURS.getOrDefault(r.family(), "#000"), 100 * share));
    }
    return t.append("</table>\n</details>\n").toString();
  }

  /** One point's metrics by column name, as the CSV export, `qcc explore --json` and the JSON export write them. */
  public static Map<String, Object> row(PointResult r) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", r.id());
    o.put("label", r.label());
    o.put("family", r.family());
    o.put("status", r.status());
    o.put("error", r.error());
    o.put("top1", r.top1());
    o.put("images", r.images());
    o.put("luts", r.luts());
    o.put("ffs", r.ffs());
    o.put("dsps", r.dsps());
    o.put("brams", r.brams());
    o.put("cycles_per_image", r.cyclesPerImage());
    o.put("latency_cycles", r.latencyCycles());
    o.put("images_per_second", r.imagesPerSecond());
    o.put("energy_nj", r.energyNj());
    o.put("fits", r.fits());
    o.put("bottleneck", r.bottleneck());
    o.put("pipeline", r.pipeline());
    o.put("seconds", r.seconds());
    return o;
  }

  /** The CSV export's rows: each point's {@link #row}, and whether it is on the front over {@code objectives}. */
  public static List<Map<String, Object>> rows(List<PointResult> points, List<Objective> objectives) {
    List<PointResult> front = Pareto.front(points, objectives);
    List<Map<String, Object>> out = new ArrayList<>();
    for (PointResult r : points) {
      Map<String, Object> o = row(r);
      o.put("pareto", front.contains(r));
      out.add(o);
    }
    return out;
  }

  /** The rows as CSV with a header line, quoted where a value needs it. */
  public static String csv(List<Map<String, Object>> rows) {
    if (rows.isEmpty()) {
      return "";
    }
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    rows.get(0).keySet().forEach(schema::addColumn);
    try {
      return new CsvMapper().writer(schema.build()).writeValueAsString(rows);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final String CSS =
      """
      body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
      h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
      .plots { display: flex; flex-wrap: wrap; gap: 1em; }
      svg.plot { background: #fff; border: 1px solid #ddd; }
      svg .title { font-weight: bold; font-size: 13px; } svg .tick, svg .legend { font-size: 11px; } svg .label { font-size: 12px; }
      svg .frame { fill: none; stroke: #999; } svg .grid { stroke: #eee; }
      svg .front { fill: none; stroke: #d62728; stroke-width: 1.5; }
      svg circle.point { fill-opacity: 0.8; stroke-width: 1.5; }
      table { border-collapse: collapse; font-size: 13px; margin: 0.5em 0; }
      th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
      td:first-child, th:first-child, table.meta td, #confirmed td { text-align: left; }
      table.sortable th { cursor: pointer; background: #f4f4f4; }
      .note { color: #666; font-size: 12px; max-width: 60em; }
      """;

  /** Sorts a table by the clicked column, numbers as numbers, again to reverse. */
  private static final String SORT =
      """
      document.querySelectorAll('table.sortable th').forEach((th, column) => th.addEventListener('click', () => {
        const body = th.closest('table').tBodies[0];
        const up = th.dataset.order !== 'up';
        th.dataset.order = up ? 'up' : 'down';
        const key = row => { const t = row.cells[column].textContent; const n = parseFloat(t); return isNaN(n) ? t : n; };
        [...body.rows].sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); })
          .forEach(row => body.appendChild(row));
      }));
      """;
}
