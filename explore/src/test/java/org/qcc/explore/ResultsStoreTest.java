// The results database: round trips, identity, schema versions and other people's files.
package org.qcc.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.ir.DiagnosticException;

class ResultsStoreTest {
  @TempDir Path tmp;

  static PointResult result(String id, double top1, long luts, double throughput) {
    return new PointResult(
        id, Map.of("weights", "int4", "ptq", List.of("gptq")), "W int4", "integer", "canonicalize", PointResult.OK, null, top1, 500,
        luts, 2 * luts, 3L, 4L, 120.5, 900L, throughput, 12.5, true, "fc1", 1.5,
        Map.of("fc1", Map.of("lut", luts - 10, "dsp", 3L), "fc2", Map.of("lut", 10L)));
  }

  @Test
  void pointsSurviveReopeningWithEveryField() {
    Path db = tmp.resolve("r.db");
    PointResult a = result("a", 0.875, 1000, 5e4);
    PointResult failed = new PointResult("b", Map.of(), "W int9", "integer", "p", PointResult.FAILED, "boom", null, 0, null, null, null, null, null, null, null, null, null, null, 0.1, Map.of());
    try (ResultsStore s = ResultsStore.open(db, true)) {
      s.bind(Map.of("device", "xc7a35t"), Map.of("model", "m.onnx"));
      s.put(a, "{}");
      s.put(failed, "{}");
    }
    try (ResultsStore s = ResultsStore.open(db, false)) {
      assertEquals(Set.of("a", "b"), s.finishedIds());
      List<PointResult> points = s.points();
      assertEquals(a, points.stream().filter(r -> r.id().equals("a")).findFirst().orElseThrow());
      assertEquals(failed, points.stream().filter(r -> r.id().equals("b")).findFirst().orElseThrow());
      assertEquals("m.onnx", s.meta().get("model"));
      assertEquals(ResultsStore.FORMAT, s.meta().get("format"));
    }
  }

  @Test
  void aVersionOneStoreIsMigratedKeepingItsPoints() throws Exception {
    Path db = tmp.resolve("v1.db");
    PointResult a = result("a", 0.875, 1000, 5e4);
    try (ResultsStore s = ResultsStore.open(db, true)) {
      s.put(a, "{}");
    }
    // What qcc wrote before confirmations existed.
    sql(db, "DROP TABLE confirmations");
    sql(db, "PRAGMA user_version = 1");
    try (ResultsStore s = ResultsStore.open(db, false)) {
      assertEquals(List.of(a), s.points());
      Confirmation c = new Confirmation("a", "/d/a", true, 10, 0, 120.5, true, null, "xc7", Map.of("lut", 990L, "dsp", 3L), null, 42.0);
      s.putConfirmation(c, "{}");
      assertEquals(Map.of("a", c), s.confirmations());
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement(); var rs = s.executeQuery("PRAGMA user_version")) {
      assertEquals(ResultsStore.SCHEMA, rs.getInt(1));
    }
  }

  @Test
  void aStoreOfAnotherDeviceIsRefused() {
    Path db = tmp.resolve("r.db");
    try (ResultsStore s = ResultsStore.open(db, true)) {
      s.bind(Map.of("device", "xc7a35t"), Map.of());
    }
    try (ResultsStore s = ResultsStore.open(db, true)) {
      DiagnosticException e = assertThrows(DiagnosticException.class, () -> s.bind(Map.of("device", "up5k"), Map.of()));
      assertEquals("holds points for device xc7a35t, not up5k; use another --db", e.diagnostic().message());
    }
  }

  @Test
  void aStoreHasOneSweepAtATime() {
    Path db = tmp.resolve("r.db");
    try (ResultsStore first = ResultsStore.open(db, true)) {
      first.claimForSweep();
      try (ResultsStore second = ResultsStore.open(db, false)) {
        DiagnosticException e = assertThrows(DiagnosticException.class, second::claimForSweep);
        assertTrue(e.diagnostic().message().matches("another sweep is writing to this results database \\(pid \\d+ on .+\\); wait for it to finish or use another --db"), e.getMessage());
        assertEquals(0, second.points().size(), "reading is still allowed");
      }
    }
    try (ResultsStore again = ResultsStore.open(db, false)) {
      again.claimForSweep();
    }
  }

  /**
   * A reader (qcc report, a test polling a sweep) that opens a database file the sweep has created
   * but not yet given its schema is refused and writes nothing, so it cannot race the sweep's own
   * schema creation.
   */
  @Test
  void aReaderNeverWritesTheSchemaOfAFileBeingCreated() throws Exception {
    Path db = tmp.resolve("new.db");
    Files.createFile(db);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> ResultsStore.open(db, false));
    assertEquals(db + ": not a qcc results database yet (no schema; a sweep may still be creating it)", e.getMessage());
    assertEquals(0, Files.size(db));
    try (ResultsStore s = ResultsStore.open(db, true)) {
      assertEquals(List.of(), s.points());
    }
  }

  @Test
  void newerSchemasForeignDatabasesAndOtherFilesAreRefused() throws Exception {
    Path newer = tmp.resolve("newer.db");
    ResultsStore.open(newer, true).close();
    sql(newer, "PRAGMA user_version = " + (ResultsStore.SCHEMA + 1));
    assertEquals("written by a newer qcc (results schema 3, this qcc reads up to 2); use that qcc or another --db",
        assertThrows(DiagnosticException.class, () -> ResultsStore.open(newer, false)).diagnostic().message());

    Path foreign = tmp.resolve("foreign.db");
    sql(foreign, "CREATE TABLE orders (id INTEGER)");
    assertEquals("not a qcc results database (it has tables but no qcc schema version)",
        assertThrows(DiagnosticException.class, () -> ResultsStore.open(foreign, true)).diagnostic().message());

    Path text = tmp.resolve("notes.db");
    Files.writeString(text, "these are not the bytes of a database, but they are long enough to look like a header, surely" .repeat(20));
    String message = assertThrows(DiagnosticException.class, () -> ResultsStore.open(text, true)).diagnostic().message();
    assertTrue(message.startsWith("cannot read the results database: not an SQLite database"), message);

    assertEquals("no such results database (`qcc explore ... --db " + tmp.resolve("none.db") + "` makes one)",
        assertThrows(DiagnosticException.class, () -> ResultsStore.open(tmp.resolve("none.db"), false)).diagnostic().message());
    assertTrue(Files.notExists(tmp.resolve("none.db")), "refusing to read leaves no empty file behind");
  }

  private static void sql(Path db, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
