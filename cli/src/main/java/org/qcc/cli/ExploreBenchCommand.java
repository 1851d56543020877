// qcc bench explore: sweep throughput of the in-process executor against Spark local[N], same points, one run.
package org.qcc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.Device;
import org.qcc.explore.Explorer;
import org.qcc.explore.LocalExecutor;
import org.qcc.explore.Point;
import org.qcc.explore.PointEvaluator;
import org.qcc.explore.PointExecutor;
import org.qcc.explore.PointResult;
import org.qcc.explore.ResultsStore;
import org.qcc.explore.Space;
import org.qcc.explore.spark.SparkExecutor;
import org.qcc.explore.spark.Sweep;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.testbenches.Folders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "explore",
    description = {
      "The same sweep (examples/space.yaml's first --points points on a bundled model) through the",
      "in-process executor with --jobs threads and through Spark local[--jobs], each into a fresh",
      "results store, --rounds times (they share one JVM, so the first round warms up the code both",
      "run); for the last round, Spark's start-up, the sweep's time, points per minute and Spark's",
      "overhead as a ratio. The two stores of every round must hold the same results (exit code 1",
      "if not)."
    },
    footer = {"%nExamples:", "  qcc bench explore", "  qcc bench explore --model mlp --points 8 --json"})
final class ExploreBenchCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "cnn", description = "Bundled model (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--points", defaultValue = "16", description = "Points of examples/space.yaml to sweep (default: ${DEFAULT-VALUE}).")
  int points;

  @Option(names = "--rounds", defaultValue = "2", description = "Rounds of both sweeps; the last one's times are reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--jobs", defaultValue = "2", description = "Threads of the local executor and Spark's local[N] (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One executor's run. */
  record Row(int round, String executor, int points, double startSeconds, double sweepSeconds) {
    double pointsPerMinute() {
      return points * 60 / sweepSeconds;
    }
  }

  @Override
  public Integer call() throws IOException {
    if (points < 1 || jobs < 1 || rounds < 1) {
      throw new ParameterException(spec.commandLine(), "--points, --jobs and --rounds must be at least 1");
    }
    Path modelFile = Models.bundled(model);
    Path spaceFile = Models.home().resolve("examples/space.yaml");
    Space space = Space.read(spaceFile);
    List<Point> sweep = space.grid().subList(0, Math.min(points, space.grid().size()));
    Device device = Device.named("xc7a100t");
    FashionMnist test = FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    PointEvaluator evaluator = new PointEvaluator(() -> Models.load(modelFile), space, device, test, calibration);
    Path work = Files.createTempDirectory("qcc-bench-explore-");
    PrintWriter err = spec.commandLine().getErr();
    String master = "local[" + jobs + "]";
    try {
      List<Row> rows = new ArrayList<>();
      boolean same = true;
      // Both executors run in this JVM: the first round warms up the code they share, the last is reported.
      for (int round = 1; round <= rounds; round++) {
        Path dir = Files.createDirectories(work.resolve("round" + round));
        err.printf("bench explore: round %d of %d: %d points of %s on %s, local with %d threads, then Spark %s%n", round, rounds, sweep.size(), spaceFile.getFileName(), modelFile.getFileName(), jobs, master);
        err.flush();
        List<Map<String, PointResult>> tables = new ArrayList<>();
        rows.add(run(round, "local", () -> new LocalExecutor(evaluator, jobs, null), sweep, dir.resolve("local.db"), tables));
        rows.add(run(round, "spark " + master, () -> SparkExecutor.start(master, Map.of(), Sweep.of(modelFile, spaceFile, device, evaluator, test, calibration, dir.resolve("designs"), 1)), sweep, dir.resolve("spark.db"), tables));
        same &= tables.get(0).equals(tables.get(1));
      }
      print(rows, same);
      return same ? Qcc.OK : 1;
    } finally {
      Folders.delete(work);
    }
  }

  private static Row run(int round, String name, Supplier<PointExecutor> start, List<Point> sweep, Path db, List<Map<String, PointResult>> tables) {
    try (ResultsStore store = ResultsStore.open(db, true)) {
      long t0 = System.nanoTime();
      try (PointExecutor executor = start.get()) {
        long t1 = System.nanoTime();
        new Explorer(executor, store, "{}", (r, done, total, elapsed) -> {}).run(sweep);
        long t2 = System.nanoTime();
        tables.add(store.points().stream().collect(Collectors.toMap(PointResult::id, PointResult::untimed)));
        return new Row(round, name, sweep.size(), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
      }
    }
  }

  /** Every round's rows; the ratio from the last round, and with Spark's first (cold) start-up. */
  private void print(List<Row> rows, boolean same) {
    var out = spec.commandLine().getOut();
    Row local = rows.get(rows.size() - 2);
    Row spark = rows.get(rows.size() - 1);
    double coldStart = rows.get(1).startSeconds();
    double overhead = spark.sweepSeconds() / local.sweepSeconds();
    double withStart = (coldStart + spark.sweepSeconds()) / local.sweepSeconds();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("model", model);
      o.put("rows", rows.stream().map(r -> Map.of("round", r.round(), "executor", r.executor(), "points", r.points(), "start_seconds", r.startSeconds(), "sweep_seconds", r.sweepSeconds(), "points_per_minute", r.pointsPerMinute())).toList());
      o.put("spark_overhead_ratio", overhead);
      o.put("spark_overhead_ratio_with_cold_start", withStart);
      o.put("same_results", same);
      Json.print(out, o);
      return;
    }
    out.printf("%5s  %-16s %7s %10s %10s %14s%n", "round", "executor", "points", "start s", "sweep s", "points/minute");
    for (Row r : rows) {
      out.printf("%5d  %-16s %7d %10.2f %10.2f %14.1f%n", r.round(), r.executor(), r.points(), r.startSeconds(), r.sweepSeconds(), r.pointsPerMinute());
    }
    out.printf("Spark's sweep time / local's, last round: %.2fx; with Spark's first (cold) start-up: %.2fx%n", overhead, withStart);
    out.printf("same results in both stores: %s%n", same ? "yes" : "NO");
  }
}
