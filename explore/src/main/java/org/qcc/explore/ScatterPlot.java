// An SVG scatter plot of two objectives, points coloured by number family, the Pareto front drawn.
package org.qcc.explore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Self-contained SVG (no scripts, no external fonts) so the page renders anywhere. An axis spanning
 * more than {@value #LOG_SPAN}x is drawn on a log scale, as throughput across foldings usually is.
 * Over-budget points are hollow; the front is the staircase through its points.
 */
final class ScatterPlot {
  static final Map<String, String> COLOURS = Map.of("integer", "#1f77b4", "minifloat", "#ff7f0e", "block", "#2ca02c", "mixed", "#9467bd", "fp32", "#7f7f7f");

  private static final int WIDTH = 560;
  private static final int HEIGHT = 400;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 70;
  private static final double LOG_SPAN = 30;

  private ScatterPlot() {}

  /** A linear or log axis over [lo, hi], mapped onto [from, to] pixels. */
  private record Axis(double lo, double hi, boolean log, double from, double to) {
    static Axis of(List<Double> values, double from, double to) {
      double lo = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
      double hi = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
      boolean log = lo > 0 && hi / lo > LOG_SPAN;
      if (log) {
        return new Axis(Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi))), true, from, to);
      }
      double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1);
      return new Axis(lo - pad, hi + pad, false, from, to);
    }

    double pixel(double v) {
      double t = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : (v - lo) / (hi - lo);
      return from + t * (to - from);
    }

    List<Double> ticks() {
      List<Double> out = new ArrayList<>();
      if (log) {
        for (double t = lo; t <= hi * 1.0001; t *= 10) {
          out.add(t);
        }
        return out;
      }
      double raw = (hi - lo) / 5;
      double mag = Math.pow(10, Math.floor(Math.log10(raw)));
      double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
      for (double t = Math.ceil(lo / step) * step; t <= hi; t += step) {
        out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
      }
      return out;
    }
  }

  static String svg(String title, List<PointResult> points, Objective x, Objective y, List<PointResult> front) {
    List<PointResult> shown = points.stream().filter(r -> x.value(r) != null && y.value(r) != null).toList();
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT, Html.escape(title)));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>%n", LEFT, Html.escape(title)));
    if (shown.isEmpty()) {
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">no point has both metrics</text>%n</svg>%n", LEFT, HEIGHT / 2));
      return s.toString();
    }
    Axis ax = Axis.of(shown.stream().map(x::value).toList(), LEFT, WIDTH - RIGHT);
    Axis ay = Axis.of(shown.stream().map(y::value).toList(), HEIGHT - BOTTOM, TOP);
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>%n", LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
    for (double t : ax.ticks()) {
      double px = ax.pixel(t);
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/><text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>%n", px, TOP, px, HEIGHT - BOTTOM, px, HEIGHT - BOTTOM + 16, number(t)));
    }
    for (double t : ay.ticks()) {
      double py = ay.pixel(t);
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/><text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>%n", LEFT, py, WIDTH - RIGHT, py, LEFT - 6, py + 4, number(t)));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"middle\">%s%s</text>%n", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - BOTTOM + 36, Html.escape(x.title()), ax.log() ? " (log scale)" : ""));
    s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s%s</text>%n", (TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2, Html.escape(y.title()), ay.log() ? " (log scale)" : ""));
    if (front.size() > 1) {
      s.append("<polyline class=\"front\" points=\"");
      List<PointResult> byX = front.stream().filter(r -> x.value(r) != null && y.value(r) != null).sorted(Comparator.comparingDouble(x::value)).toList();
      for (int i = 0; i < byX.size(); i++) {
        double px = ax.pixel(x.value(byX.get(i)));
        double py = ay.pixel(y.value(byX.get(i)));
        if (i > 0) {
          // A staircase: what the front guarantees between two of its points is the worse of their values.
          boolean xUp = x.maximize();
          double stepY = xUp ? py : ay.pixel(y.value(byX.get(i - 1)));
          double stepX = xUp ? ax.pixel(x.value(byX.get(i - 1))) : px;
          s.append(String.format(Locale.ROOT, "%.1f,%.1f ", stepX, stepY));
        }
        s.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
      }
      s.append("\"/>\n");
    }
    for (PointResult r : shown) {
      boolean onFront = front.contains(r);
      String colour = COLOURS.getOrDefault(r.family(), "#000");
      boolean fits = !Boolean.FALSE.equals(r.fits());
      s.append(String.format(Locale.ROOT, "<circle class=\"point %s%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\" stroke=\"%s\"><title>%s\n%s %s, %s %s%s</title></circle>%n",
          r.family(), onFront ? " on-front" : "", ax.pixel(x.value(r)), ay.pixel(y.value(r)), onFront ? 6 : 4, fits ? colour : "none", onFront ? "#000" : colour,
          Html.escape(r.label()), Html.escape(x.title()), number(x.value(r)), Html.escape(y.title()), number(y.value(r)), fits ? "" : "\nover budget: " + Html.escape(r.error())));
    }
    s.append(legend(shown));
    return s.append("</svg>\n").toString();
  }

  /** One row under the plot: the families shown, then the front's line. */
  private static String legend(List<PointResult> shown) {
    StringBuilder s = new StringBuilder();
    int x = LEFT;
    int y = HEIGHT - 10;
    for (String family : List.of("integer", "minifloat", "block", "mixed", "fp32")) {
      if (shown.stream().anyMatch(r -> r.family().equals(family))) {
        s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>%n", x, y - 4, COLOURS.get(family), x + 8, y, family));
        x += 20 + 7 * family.length();
      }
    }
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"front\"/><text x=\"%d\" y=\"%d\" class=\"legend\">Pareto front</text>%n", x - 4, y - 4, x + 10, y - 4, x + 14, y));
    return s.toString();
  }

  /** Short tick labels: 12k, 1.5M, 87.5. */
  static String number(double v) {
    double a = Math.abs(v);
    if (a >= 1e6) {
      return trim(v / 1e6) + "M";
    }
    if (a >= 1e4) {
      return trim(v / 1e3) + "k";
    }
    return trim(v);
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.2f", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
