// The Spark executor against the in-process one: embedded (local[2]) and on a standalone cluster on loopback.
package org.qcc.explore.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.explore.DatasetCalibration;
import org.qcc.explore.Device;
import org.qcc.explore.Explorer;
import org.qcc.explore.LocalExecutor;
import org.qcc.explore.PointEvaluator;
import org.qcc.explore.PointExecutor;
import org.qcc.explore.PointResult;
import org.qcc.explore.ResultsStore;
import org.qcc.explore.Space;
import org.qcc.frontend.ModelFiles;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.DiagnosticException;
import org.qcc.testbenches.Synthesis;
import org.qcc.testbenches.Verilator;

class SparkExecutorTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", "..")).toAbsolutePath().normalize();
  private static final Path MODEL = HOME.resolve("models/fashion_mlp.onnx");
  private static final Device DEVICE = Device.named("xc7a35t");

  /** 8 points: integer and minifloat weights, dense and 2:4, and fp32 activations (no hardware). */
  private static final String SPACE = """
      weights: [int4, e2m1fin]
      acts: [int8, none]
      sparsity: [dense, "2:4"]
      ptq: [none, bias-correct]
      evaluation: {images: 60, calibration-images: 32, technique-images: 16}
      fold: {pe: 4, simd: 4}
      """;

  @TempDir static Path shared;
  @TempDir Path tmp;

  private static Path spaceFile;
  private static Space space;
  private static FashionMnist test;
  private static DatasetCalibration calibration;

  @BeforeAll
  static void space() throws IOException {
    spaceFile = shared.resolve("space.yaml");
    Files.writeString(spaceFile, SPACE);
    space = Space.read(spaceFile);
    test = FashionMnist.locate(HOME.resolve("data/fashion-mnist-subset"));
    calibration = new DatasetCalibration("fashion-mnist", HOME.resolve("data/fashion-mnist-subset"));
  }

  private static PointEvaluator evaluator() {
    return new PointEvaluator(() -> ModelFiles.load(MODEL), space, DEVICE, test, calibration);
  }

  private Sweep sweep() {
    return Sweep.of(MODEL, spaceFile, DEVICE, evaluator(), test, calibration, tmp.resolve("designs"), 4);
  }

  /** Runs {@code points} of the space on {@code executor} into {@code db}; returns how many it evaluated. */
  private static int sweep(PointExecutor executor, Path db, int points) {
    List<String> evaluated = new ArrayList<>();
    try (ResultsStore store = ResultsStore.open(db, true)) {
      store.claimForSweep();
      new Explorer(executor, store, "{}", (r, done, total, elapsed) -> evaluated.add(r.id())).run(space.grid().subList(0, points));
    }
    return evaluated.size();
  }

  /** The results table without the time each point took. */
  private static Map<String, PointResult> table(Path db) {
    try (ResultsStore store = ResultsStore.open(db, false)) {
      return store.points().stream().collect(Collectors.toMap(PointResult::id, PointResult::untimed));
    }
  }

  @Test
  void localTwoStoresTheSameTableAsTheInProcessExecutorAndResumesItsSweep() {
    Path inProcess = tmp.resolve("local.db");
    Path mixed = tmp.resolve("mixed.db");
    int n = space.grid().size();
    try (LocalExecutor local = new LocalExecutor(evaluator(), 2, null)) {
      assertEquals(n, sweep(local, inProcess, n));
      assertEquals(3, sweep(local, mixed, 3));
    }
    try (SparkExecutor spark = SparkExecutor.start("local[2]", Map.of(), sweep())) {
      assertEquals(2, spark.parallelism());
      assertEquals(n - 3, sweep(spark, mixed, n), "the points the in-process executor stored are not evaluated again");
      assertEquals(0, sweep(spark, mixed, n));
      Tools here = spark.tools().get(0);
      assertEquals(1, spark.tools().size(), spark.tools().toString());
      assertEquals(Verilator.available(), here.verilator());
      assertEquals(Synthesis.available(), here.yosys());
    }
    Map<String, PointResult> expected = table(inProcess);
    assertEquals(n, expected.size());
    assertTrue(expected.values().stream().anyMatch(PointResult::hasHardware) && expected.values().stream().anyMatch(r -> r.status().equals(PointResult.NO_HARDWARE)));
    assertEquals(expected, table(mixed));
  }

  @Test
  void anUnreachableMasterIsReportedAtOnce() throws IOException {
    int port = freePort();
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> SparkExecutor.start("spark://127.0.0.1:" + port, Map.of(), sweep()));
    assertEquals("spark://127.0.0.1:" + port, e.diagnostic().location());
    assertTrue(e.diagnostic().message().startsWith("cannot reach the Spark master (127.0.0.1:" + port + ": Connection refused"), e.getMessage());
  }

  @Test
  void aModelWithExternalDataCannotBeSent() throws IOException {
    Path broken = tmp.resolve("m.onnx");
    Files.write(broken, new byte[] {1, 2, 3});
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> Sweep.of(broken, spaceFile, DEVICE, evaluator(), test, calibration, tmp, 4));
    assertTrue(e.diagnostic().message().startsWith("cannot be sent to Spark workers: "), e.getMessage());
  }

  /** A standalone master and one worker from Spark's own classes, on loopback, for the length of the test. */
  @Test
  void aStandaloneClusterRunsTheSweep() throws Exception {
    int port = freePort();
    Path logs = Files.createDirectories(tmp.resolve("logs"));
    Path sparkHome = Files.createDirectories(tmp.resolve("spark-home/jars"));
    List<Process> started = new ArrayList<>();
    try {
      started.add(daemon("org.apache.spark.deploy.master.Master", logs.resolve("master.log"), sparkHome.getParent(),
          "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
      awaitListening(port, started.get(0));
      started.add(daemon("org.apache.spark.deploy.worker.Worker", logs.resolve("worker.log"), sparkHome.getParent(),
          "--host", "127.0.0.1", "--cores", "2", "--memory", "2g", "--webui-port", String.valueOf(freePort()),
          "--work-dir", tmp.resolve("work").toString(), "spark://127.0.0.1:" + port));
      Path db = tmp.resolve("cluster.db");
      Path inProcess = tmp.resolve("local.db");
      int n = space.grid().size();
      Process worker = started.get(1);
      List<Long> killed = new ArrayList<>();
      assertTimeoutPreemptively(Duration.ofMinutes(5), () -> {
        try (SparkExecutor spark = SparkExecutor.start("spark://127.0.0.1:" + port, Map.of("spark.driver.host", "127.0.0.1", "spark.executor.memory", "1g"), sweep());
            ResultsStore store = ResultsStore.open(db, true)) {
          List<String> evaluated = new ArrayList<>();
          // The worker's executor is killed once the first point is stored: Spark must rerun its tasks on a new one.
          new Explorer(spark, store, "{}", (r, done, total, elapsed) -> {
            evaluated.add(r.id());
            if (done == 1) {
              // The worker's only children are the executors it launched.
              worker.children().forEach(h -> {
                killed.add(h.pid());
                h.destroyForcibly();
              });
            }
          }).run(space.grid());
          assertEquals(n, evaluated.size(), "each point stored once");
          assertEquals(n, Set.copyOf(evaluated).size());
          List<Tools> tools = spark.tools();
          assertFalse(tools.isEmpty());
          assertTrue(tools.stream().noneMatch(t -> t.executor().equals("driver")), "tasks ran on the worker's executors: " + tools);
        }
      }, () -> "the cluster did not finish; logs in " + logs);
      assertEquals(1, killed.size(), "one executor was killed mid-sweep");
      try (LocalExecutor local = new LocalExecutor(evaluator(), 2, null)) {
        sweep(local, inProcess, n);
      }
      assertEquals(table(inProcess), table(db));
    } finally {
      for (int i = started.size() - 1; i >= 0; i--) {
        Process p = started.get(i);
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        p.waitFor();
      }
    }
  }

  private static Process daemon(String mainClass, Path log, Path sparkHome, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "@" + HOME.resolve("java.options"), "-Xmx512m", "-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The worker builds executor command lines from SPARK_HOME; the executors take their classes from spark.executor.extraClassPath.
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    return pb.start();
  }

  private static void awaitListening(int port, Process master) throws Exception {
    for (int i = 0; i < 600; i++) {
      assertTrue(master.isAlive(), "the Spark master exited");
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the Spark master did not listen on " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
