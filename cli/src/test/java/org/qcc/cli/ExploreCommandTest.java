// qcc explore and qcc report end to end: errors, killing and resuming a sweep, the rendered report.
package org.qcc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.explore.PointResult;
import org.qcc.explore.ResultsStore;

class ExploreCommandTest {
  @TempDir Path tmp;

  private static final String SPACE =
      """
      weights: [int4, e2m1fin, int8]
      acts: [int8, e4m3fin]
      sparsity: [dense, "2:4"]
      fold: {pe: [4], simd: [4]}
      evaluation: {images: 40, calibration-images: 32}
      """;

  private Path space(String yaml) throws Exception {
    Path file = tmp.resolve("space.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void aMalformedSpaceIsOneLineWithItsLineAndKeyAndWritesNoDatabase() throws Exception {
    Path db = tmp.resolve("r.db");
    Path s = space("weights: [int4]\nacts: [int8]\nfold: {pe: [4], simd: [four]}\n");
    CliTest.Run r = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s.toString(), "--db", db.toString());
    assertEquals(2, r.code());
    assertEquals("qcc: error: " + s + " line 3, key fold.simd[0]: expected a whole number from 1 to 1024, got 'four'\n", r.err());
    assertTrue(Files.notExists(db));
    CliTest.Run device = CliTest.qcc("explore", CliTest.model("mlp"), "--space", space(SPACE).toString(), "--db", db.toString(), "--device", "xc9");
    assertEquals(2, device.code());
    assertEquals("qcc: error: xc9: unknown device (devices: xc7a35t, xc7a100t, xc7z020, xc7, xcku040, xcu, up5k, hx8k, ice40)\n", device.err());
    CliTest.Run report = CliTest.qcc("report", db.toString(), "-o", tmp.resolve("r.html").toString());
    assertEquals(2, report.code());
    assertTrue(report.err().startsWith("qcc: error: " + db + ": no such results database"), report.err());
    assertTrue(Files.notExists(tmp.resolve("r.html")));
  }

  @Test
  void aKilledSweepResumesWithoutLosingOrRedoingFinishedPoints() throws Exception {
    Path db = tmp.resolve("r.db");
    Path s = space(SPACE);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Dqcc.home=" + System.getProperty("qcc.home", ".."), "-cp", System.getProperty("java.class.path"), "org.qcc.cli.Qcc",
            "explore", CliTest.model("mlp"), "--space", s.toString(), "--db", db.toString(), "--jobs", "1")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("first.log").toFile()).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (finished(db) < 1 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(p.isAlive(), "the first sweep ended early: " + Files.readString(tmp.resolve("first.log")));
      CliTest.Run second = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s.toString(), "--db", db.toString());
      assertEquals(2, second.code(), second.err());
      assertTrue(second.err().matches("qcc: error: " + Pattern.quote(db.toString()) + ": another sweep is writing to this results database \\(pid " + p.pid() + " on .+\\); wait for it to finish or use another --db\n"), second.err());
      while (finished(db) < 3 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    } finally {
      p.destroyForcibly().waitFor();
    }
    Map<String, Double> before = seconds(db);
    assertTrue(before.size() >= 3 && before.size() < 12, "killed after " + before.size() + " of 12 points: " + Files.readString(tmp.resolve("first.log")));

    // Resumed on the other executor: Spark, embedded.
    CliTest.Run again = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s.toString(), "--db", db.toString(), "--executor", "spark", "--master", "local[2]");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.err().contains("Spark local[2], 2 tasks at a time"), again.err());
    assertTrue(again.err().contains("12 points (" + before.size() + " stored, " + (12 - before.size()) + " to evaluate)"), again.err());
    assertEquals(12 - before.size(), again.err().lines().filter(l -> l.startsWith("[")).count(), again.err());
    Map<String, Double> after = seconds(db);
    assertEquals(12, after.size());
    before.forEach((id, secs) -> assertEquals(secs, after.get(id), "point " + id + " was evaluated again"));
    assertTrue(again.out().contains("Pareto front over top1, luts, throughput"), again.out());
  }

  @Test
  void sparkOptionsThatCannotWorkAreOneLineErrors() throws Exception {
    String s = space(SPACE).toString();
    String db = tmp.resolve("r.db").toString();
    CliTest.Run jobs = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s, "--db", db, "--executor", "spark", "--jobs", "2");
    assertEquals(2, jobs.code());
    assertTrue(jobs.err().startsWith("qcc: error: --jobs is for --executor local;"), jobs.err());
    CliTest.Run conf = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s, "--db", db, "--conf", "spark.executor.memory=4g");
    assertEquals(2, conf.code());
    assertTrue(conf.err().startsWith("qcc: error: --conf sets Spark settings; it needs --executor spark"), conf.err());
    CliTest.Run kind = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s, "--db", db, "--executor", "ray");
    assertEquals(2, kind.code());
    assertTrue(kind.err().startsWith("qcc: error: --executor must be local or spark, not 'ray'"), kind.err());
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    CliTest.Run unreachable = CliTest.qcc("explore", CliTest.model("mlp"), "--space", s, "--db", db, "--executor", "spark", "--master", "spark://127.0.0.1:" + port);
    assertEquals(2, unreachable.code());
    assertEquals("qcc: error: spark://127.0.0.1:" + port + ": cannot reach the Spark master (127.0.0.1:" + port + ": Connection refused)\n", unreachable.err());
    assertEquals(0, seconds(Path.of(db)).size());
  }

  @Test
  void benchExploreSweepsTheSamePointsOnBothExecutors() throws Exception {
    CliTest.Run r = CliTest.qcc("bench", "explore", "--model", "mlp", "--points", "3", "--rounds", "1", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertTrue(o.get("same_results").asBoolean());
    assertEquals(List.of("local", "spark local[2]"), o.get("rows").findValuesAsText("executor"));
    o.get("rows").forEach(row -> assertTrue(row.get("points").asInt() == 3 && row.get("points_per_minute").asDouble() > 0, row.toString()));
    assertTrue(o.get("spark_overhead_ratio").asDouble() > 0 && o.get("spark_overhead_ratio_with_cold_start").asDouble() > 0);
  }

  private static int finished(Path db) {
    return Files.exists(db) ? seconds(db).size() : 0;
  }

  private static Map<String, Double> seconds(Path db) {
    try (ResultsStore store = ResultsStore.open(db, false)) {
      return store.points().stream().collect(Collectors.toMap(PointResult::id, PointResult::seconds));
    } catch (RuntimeException e) {
      return Map.of();
    }
  }

  @Test
  void theReportRendersItsPlotsInHeadlessChromiumAndExportsTheSameRows() throws Exception {
    Path db = tmp.resolve("r.db");
    CliTest.Run explore = CliTest.qcc("explore", CliTest.model("mlp"), "--space", space(SPACE).toString(), "--db", db.toString(), "--device", "xc7a100t", "--quiet", "--json");
    assertEquals(0, explore.code(), explore.err());
    assertEquals("", explore.err());
    JsonNode summary = Json.MAPPER.readTree(explore.out());
    assertEquals(12, summary.get("points").asInt());
    assertTrue(summary.get("front").size() >= 1, explore.out());

    Path html = tmp.resolve("report.html");
    Path csv = tmp.resolve("points.csv");
    Path json = tmp.resolve("points.json");
    CliTest.Run report = CliTest.qcc("report", db.toString(), "-o", html.toString(), "--csv", csv.toString(), "--export-json", json.toString());
    assertEquals(0, report.code(), report.err());
    List<String> rows = Files.readAllLines(csv);
    assertEquals(13, rows.size(), "a header and a row per point");
    assertTrue(rows.get(0).startsWith("id,label,family,status,error,top1,"), rows.get(0));
    JsonNode exported = Json.MAPPER.readTree(json.toFile());
    assertEquals(12, exported.get("points").size());
    assertEquals("xc7a100t", exported.get("meta").get("device").asText());
    Set<String> families = new HashSet<>();
    exported.get("points").forEach(pt -> families.add(pt.get("family").asText()));
    assertEquals(Set.of("integer", "minifloat", "mixed"), families);

    String page = Files.readString(html);
    assertEquals(3, count(page, "<svg class=\"plot\""));
    assertTrue(count(page, "<circle class=\"point integer") >= 3 && count(page, "<circle class=\"point minifloat") >= 3, "both families are plotted");
    assertTrue(page.contains("<polyline class=\"front\""), "a front is drawn");

    String chromium = Stream.of("chromium", "chromium-browser").filter(ExploreCommandTest::onPath).findFirst().orElse(null);
    assumeTrue(chromium != null || System.getenv("CI") != null, "chromium is not installed (./test.sh installs it)");
    Path shot = tmp.resolve("shot.png");
    List<String> headless = List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + tmp.resolve("profile"), "--window-size=1280,1600");
    run(Stream.concat(headless.stream(), Stream.of("--screenshot=" + shot, html.toUri().toString())).toList(), null);
    BufferedImage image = ImageIO.read(shot.toFile());
    assertEquals(1280, image.getWidth());
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 4) {
      for (int x = 0; x < image.getWidth(); x += 4) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 50, "the screenshot is not blank: " + colours.size() + " colours");
    Path dom = tmp.resolve("dom.html");
    run(Stream.concat(headless.stream(), Stream.of("--dump-dom", html.toUri().toString())).toList(), dom);
    String rendered = Files.readString(dom);
    assertEquals(3, count(rendered, "<svg class=\"plot\""), "the browser parsed the three plots");
    assertTrue(count(rendered, "<circle class=\"point") >= 3 * 12 - 3, "every point with metrics is in each plot");
  }

  @Test
  void theFrontsBestPointIsConfirmedBitExactOnVerilatorAndSynthesizedOnce() throws Exception {
    assumeTrue(org.qcc.testbenches.Verilator.available() && org.qcc.testbenches.Synthesis.available() || System.getenv("CI") != null, "verilator and yosys are not installed");
    Path db = tmp.resolve("tiny.db");
    Path s = space("weights: [e2m1fin, int4]\nacts: int8\nfold: {pe: 1, simd: 1}\nevaluation: {images: 50, calibration-images: 32}\n");
    String[] args = {"explore", CliTest.model("tiny"), "--space", s.toString(), "--db", db.toString(), "--device", "hx8k", "--confirm", "1", "--confirm-images", "8"};
    // Confirmed by a Spark task (an executor with the tools), then found stored by the local executor.
    String[] spark = Stream.concat(Stream.of(args), Stream.of("--executor", "spark", "--master", "local[2]")).toArray(String[]::new);
    CliTest.Run first = CliTest.qcc(spark);
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("Verilator bit-exact against the golden interpreter on 8 images") && first.out().contains("(the cycle-level model's count); yosys ice40: "), first.out());
    Map<String, org.qcc.explore.Confirmation> stored;
    try (ResultsStore store = ResultsStore.open(db, false)) {
      stored = store.confirmations();
    }
    assertEquals(1, stored.size());
    org.qcc.explore.Confirmation c = stored.values().iterator().next();
    assertTrue(c.bitExact() && c.cycleModelAgrees() && c.synthesized().get("lut4") > 1000, c.toString());
    assertTrue(Files.isRegularFile(Path.of(c.design(), "synth/ice40/report.json")), "the design stays for qcc sim and qcc synth");

    CliTest.Run again = CliTest.qcc(args);
    assertEquals(0, again.code(), again.err());
    assertFalse(again.err().contains("confirm: "), "a confirmed point is not confirmed again: " + again.err());
    Path html = tmp.resolve("tiny.html");
    assertEquals(0, CliTest.qcc("report", db.toString(), "-o", html.toString()).code());
    assertTrue(Files.readString(html).contains("<h2>Confirmed on Verilator and yosys</h2>"));
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }

  private static void run(List<String> command, Path stdout) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command);
    b.redirectError(ProcessBuilder.Redirect.DISCARD);
    b.redirectOutput(stdout == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(stdout.toFile()));
    Process p = b.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", command) + " timed out");
    assertEquals(0, p.exitValue(), String.join(" ", command));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
