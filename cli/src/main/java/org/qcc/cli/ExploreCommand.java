// qcc explore: a design-space sweep of formats, sparsity, PTQ and folding, stored as it runs.
package org.qcc.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.explore.Confirmation;
import org.qcc.explore.Confirmations;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.Device;
import org.qcc.explore.Explorer;
import org.qcc.explore.FrontConfirmer;
import org.qcc.explore.LocalExecutor;
import org.qcc.explore.Nsga2Search;
import org.qcc.explore.Objective;
import org.qcc.explore.Pareto;
import org.qcc.explore.Point;
import org.qcc.explore.PointEvaluator;
import org.qcc.explore.PointExecutor;
import org.qcc.explore.PointResult;
import org.qcc.explore.Report;
import org.qcc.explore.ResultsStore;
import org.qcc.explore.Sha256;
import org.qcc.explore.Space;
import org.qcc.explore.spark.SparkExecutor;
import org.qcc.explore.spark.Sweep;
import org.qcc.frontend.data.FashionMnist;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "explore",
    description = {
      "Explore a design space: every point of SPACE (formats of weights and activations, per layer if",
      "asked, N:M sparsity, PTQ techniques, folding) is quantized, scored for top-1 accuracy on",
      "Fashion-MNIST by the golden interpreter, lowered to the hardware chain, priced by the device's",
      "calibrated cost model (LUTs, flip-flops, DSPs, block RAMs) and run on the cycle-level simulator",
      "(throughput, latency) with an energy estimate. Points run in parallel, on this machine or as Apache",
      "Spark tasks (--executor spark, embedded or on a cluster), and go into the SQLite",
      "database --db as each finishes: an interrupted sweep resumes where it stopped, and a stored point",
      "is never evaluated again. Prints the Pareto front over --objectives; `qcc report` draws it."
    },
    footer = {
      "%nExamples:",
      "  qcc explore models/fashion_mlp.onnx --space examples/space.yaml --device xc7a35t --db results.db",
      "  qcc explore models/fashion_cnn.onnx --space big.yaml --device up5k --db cnn.db --jobs 2 --quiet",
      "  qcc explore models/fashion_mlp.onnx --space examples/space.yaml --db results.db --objectives top1,dsps,energy",
      "  qcc explore models/fashion_cnn.onnx --space examples/space.yaml --db cnn.db --executor spark --master local[4]",
      "  qcc explore models/fashion_cnn.onnx --space big.yaml --db cnn.db --executor spark --master spark://head:7077 --conf spark.executor.memory=4g",
      "%nDevices: xc7a35t, xc7a100t, xc7z020, xc7 (no budget), xcku040, xcu (no budget), up5k, hx8k, ice40 (no budget)."
    })
final class ExploreCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir classifier of [N, 1, 28, 28] images.")
  Path model;

  @Option(names = "--space", required = true, paramLabel = "FILE", description = "The design space, a YAML file (see examples/space.yaml).")
  Path space;

  @Option(names = "--device", defaultValue = "xc7a35t", description = "The FPGA whose budget points must fit (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--db", defaultValue = "results.db", paramLabel = "FILE", description = "The results database, created or resumed (default: ${DEFAULT-VALUE}).")
  Path db;

  @Option(names = "--jobs", paramLabel = "N", description = "Points evaluated at once by the local executor (default: the processors).")
  Integer jobs;

  @Option(names = "--executor", defaultValue = "local", paramLabel = "local|spark", description = "Where points are evaluated: threads of this process (local, the default) or Apache Spark tasks (spark; see --master).")
  String executor;

  @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL", description = "The Spark master of --executor spark: local[N] runs embedded, spark://HOST:7077 (or any master Spark accepts) on a cluster (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting for --executor spark, e.g. spark.executor.memory=4g (repeatable).")
  Map<String, String> sparkConf = new LinkedHashMap<>();

  @Option(names = "--objectives", defaultValue = "top1,luts,throughput", split = ",", description = "The front's objectives, two or three of: top1, luts, ffs, dsps, brams, throughput, latency, energy (default: ${DEFAULT-VALUE}).")
  List<String> objectives;

  @Option(names = "--confirm", defaultValue = "0", paramLabel = "N", description = "Confirm the first N points of the front on real tools: write each one's RTL, co-simulate it on Verilator against the golden interpreter and synthesize it with yosys (stored; minutes per point).")
  int confirm;

  @Option(names = "--confirm-images", defaultValue = "20", paramLabel = "N", description = "Test images each confirmation streams through Verilator (default: ${DEFAULT-VALUE}).")
  int confirmImages;

  @Option(names = "--quiet", description = "No progress output.")
  boolean quiet;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    int threads = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
    if (threads < 1) {
      throw new ParameterException(spec.commandLine(), "--jobs must be at least 1");
    }
    boolean spark = switch (executor) {
      case "local" -> false;
      case "spark" -> true;
      default -> throw new ParameterException(spec.commandLine(), "--executor must be local or spark, not '" + executor + "'");
    };
    if (spark && jobs != null) {
      throw new ParameterException(spec.commandLine(), "--jobs is for --executor local; Spark runs as many points at once as its master gives it cores (--master local[N])");
    }
    if (!spark && !sparkConf.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--conf sets Spark settings; it needs --executor spark");
    }
    if (confirm < 0 || confirmImages < 1) {
      throw new ParameterException(spec.commandLine(), "--confirm must be 0 or more and --confirm-images at least 1");
    }
    if (objectives.size() < 2 || objectives.size() > 3) {
      throw new ParameterException(spec.commandLine(), "--objectives takes two or three objectives, got " + objectives.size());
    }
    List<Objective> front = objectives.stream().map(Objective::named).toList();
    Device dev = Device.named(device);
    Space s = Space.read(space);
    // A malformed model fails here, before the database is created.
    Models.load(model);
    byte[] modelBytes = Files.readAllBytes(model);
    FashionMnist test = FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    PointEvaluator evaluator = new PointEvaluator(() -> Models.load(model), s, dev, test, calibration);
    PrintWriter err = quiet || common.json ? null : spec.commandLine().getErr();
    Path designs = db.toAbsolutePath().resolveSibling(db.getFileName().toString().replaceFirst("\\.db$", "") + "-designs");
    List<PointResult> results;
    List<PointResult> best;
    Map<String, Confirmation> confirmations;
    try (ResultsStore store = ResultsStore.open(db, true)) {
      store.claimForSweep();
      Map<String, String> identity = new LinkedHashMap<>();
      identity.put("model_sha256", Sha256.hex(modelBytes));
      identity.put("device", dev.name());
      Map<String, String> info = new LinkedHashMap<>();
      info.put("model", model.getFileName().toString());
      info.put("device_description", dev.description());
      info.put("budget", dev.budget().toString());
      info.put("dataset", test.dir().toString());
      info.put("clock_mhz", String.valueOf(s.clockMhz()));
      store.bind(identity, info);
      String versions = Json.MAPPER.writeValueAsString(versions(evaluator));
      try (PointExecutor points = spark
          ? SparkExecutor.start(master, sparkConf, Sweep.of(model, space, dev, evaluator, test, calibration, designs, confirmImages))
          : new LocalExecutor(evaluator, threads, new FrontConfirmer(evaluator, dev, test, designs, confirmImages, step -> step(err, step)))) {
        Explorer explorer = new Explorer(points, store, versions, (r, done, total, elapsed) -> progress(err, r, done, total, elapsed));
        boolean grid = s.search().method().equals("grid");
        List<Point> gridPoints = grid ? s.grid() : List.of();
        if (err != null) {
          int pending = explorer.pending(gridPoints).size();
          String what = grid
              ? String.format("%d points (%d stored, %d to evaluate)", s.gridSize(), s.gridSize() - pending, pending)
              : String.format("NSGA-II over %d points: population %d, %d generations, seed %d", s.gridSize(), s.search().population(), s.search().generations(), s.search().seed());
          String where = spark ? "Spark " + master + ", " + points.parallelism() + " tasks at a time" : points.parallelism() + " at a time";
          err.printf("explore: %s on %s, %s, into %s%n", what, dev.name(), where, db);
          err.flush();
        }
        List<Point> visited = grid ? gridPoints : Nsga2Search.run(s, explorer, front);
        results = explorer.run(visited);
        best = Pareto.front(results, front);
        confirmations = confirm(visited, best, store, points, versions, err);
      }
    }
    print(results, best, confirmations, dev);
    return Qcc.OK;
  }

  private static Map<String, String> versions(PointEvaluator evaluator) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("qcc", Qcc.VERSION);
    v.put("java", System.getProperty("java.version"));
    v.put("context", evaluator.context());
    return v;
  }

  private static void progress(PrintWriter err, PointResult r, int done, int total, double elapsed) {
    if (err == null) {
      return;
    }
    String pace = String.format(", %.2f points/s", done / Math.max(elapsed, 1e-9)) + (done < total ? ", about " + duration(elapsed / done * (total - done)) + " left" : "");
    err.printf("[%d/%d] %s: %s (%.1f s)%s%n", done, total, r.label(), outcome(r), r.seconds(), pace);
    err.flush();
  }

  private static String outcome(PointResult r) {
    if (r.status().equals(PointResult.FAILED)) {
      return "failed: " + r.error();
    }
    String top1 = String.format("top-1 %.2f%%", 100 * r.top1());
    if (!r.hasHardware()) {
      return top1 + ", no hardware: " + r.error();
    }
    return String.format("%s, %,d LUTs, %d DSPs, %d BRAMs, %,.0f images/s%s", top1, r.luts(), r.dsps(), r.brams(), r.imagesPerSecond(), r.fits() ? "" : " (" + r.error() + ")");
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s < 60 ? s + " s" : s < 3600 ? s / 60 + " min " + s % 60 + " s" : s / 3600 + " h " + s % 3600 / 60 + " min";
  }

  private static void step(PrintWriter err, String step) {
    if (err != null) {
      err.println("qcc: " + step + "...");
      err.flush();
    }
  }

  /** The confirmations of the front's first --confirm points, running those not confirmed before. */
  private Map<String, Confirmation> confirm(List<Point> points, List<PointResult> best, ResultsStore store, PointExecutor executor, String versions, PrintWriter err) {
    Map<String, Confirmation> done = store.confirmations();
    Map<String, Point> byId = new LinkedHashMap<>();
    points.forEach(p -> byId.put(p.id(executor.context()), p));
    Map<String, Confirmation> out = new LinkedHashMap<>();
    for (PointResult r : best.subList(0, Math.min(confirm, best.size()))) {
      Confirmation c = done.get(r.id());
      if (c == null) {
        if (err != null) {
          err.printf("confirm: %s on Verilator and yosys%n", r.label());
          err.flush();
        }
        c = executor.confirm(byId.get(r.id()));
        store.putConfirmation(c, versions);
      }
      out.put(r.id(), c);
    }
    return out;
  }

  private void print(List<PointResult> results, List<PointResult> best, Map<String, Confirmation> confirmations, Device dev) {
    var out = spec.commandLine().getOut();
    long ok = results.stream().filter(PointResult::hasHardware).count();
    long failed = results.stream().filter(r -> r.status().equals(PointResult.FAILED)).count();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("db", db.toString());
      o.put("points", results.size());
      o.put("with_hardware", ok);
      o.put("failed", failed);
      o.put("objectives", objectives);
      o.put("front", best.stream().map(ExploreCommand::json).toList());
      o.put("confirmations", confirmations.values());
      Json.print(out, o);
      return;
    }
    out.printf("%d points: %d with hardware estimates, %d accuracy only, %d failed%n", results.size(), ok, results.size() - ok - failed, failed);
    out.printf("Pareto front over %s (%d points):%n", String.join(", ", objectives), best.size());
    out.printf("  %7s %8s %5s %6s %12s %10s %9s  %s%n", "top-1", "LUTs", "DSPs", "BRAMs", "images/s", "latency", "nJ/image", "point");
    for (PointResult r : best) {
      out.printf("  %6.2f%% %8d %5d %6d %12.0f %10d %9.1f  %s%n", 100 * r.top1(), r.luts(), r.dsps(), r.brams(), r.imagesPerSecond(), r.latencyCycles(), r.energyNj(), r.label());
    }
    for (PointResult r : best) {
      Confirmation c = confirmations.get(r.id());
      if (c != null) {
        out.printf("confirmed %s: %s; %s%n", r.label(), Confirmations.verilator(c), Confirmations.synthesis(c, r, dev));
      }
    }
    out.printf("report: qcc report %s -o report.html%n", db);
  }

  /** A point as JSON: its metrics, its configuration and its resources per layer. */
  static Map<String, Object> json(PointResult r) {
    Map<String, Object> o = Report.row(r);
    o.put("config", r.config());
    o.put("layers", r.layers());
    return o;
  }
}
