// The embedded SQLite database `qcc explore` keeps its finished points in.
package org.qcc.explore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qcc.ir.DiagnosticException;

/**
 * One row per finished point, committed as it finishes (each insert is its own transaction, in
 * write-ahead-log mode), so killing the process loses only the points still running. {@code meta}
 * names the model, device and tool versions the points belong to; a sweep of another model or
 * device is refused rather than mixed in. The schema's version is SQLite's {@code user_version}:
 * older stores are migrated step by step, newer ones refused.
 */
public final class ResultsStore implements AutoCloseable {
  /** The schema this build writes. */
  public static final int SCHEMA = 2;

  /** What {@code meta.format} holds in a qcc store; anything else is someone else's database. */
  static final String FORMAT = "qcc explore results";

  /** Statements that bring a store from version {@code i} to {@code i + 1}; index 0 creates it (version 1). */
  private static final List<List<String>> MIGRATIONS = List.of(List.of(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      "CREATE TABLE points (id TEXT PRIMARY KEY, config TEXT NOT NULL, label TEXT NOT NULL, family TEXT NOT NULL, pipeline TEXT NOT NULL,"
          + " status TEXT NOT NULL, error TEXT, top1 REAL, images INTEGER NOT NULL, luts INTEGER, ffs INTEGER, dsps INTEGER, brams INTEGER,"
          + " cycles_per_image REAL, latency_cycles INTEGER, images_per_second REAL, energy_nj REAL, fits INTEGER, bottleneck TEXT,"
          + " seconds REAL NOT NULL, versions TEXT NOT NULL, finished TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
      "CREATE TABLE layer_resources (point_id TEXT NOT NULL REFERENCES points(id), layer TEXT NOT NULL, position INTEGER NOT NULL,"
          + " kind TEXT NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (point_id, layer, kind))"),
      // 2: front points confirmed on Verilator and yosys.
      List.of(
          "CREATE TABLE confirmations (point_id TEXT PRIMARY KEY REFERENCES points(id), design TEXT NOT NULL, bit_exact INTEGER, images INTEGER NOT NULL,"
              + " mismatches INTEGER NOT NULL, cycles_per_image REAL, cycle_model_agrees INTEGER, verilator_note TEXT, synthesis_device TEXT,"
              + " synthesized TEXT NOT NULL, synthesis_note TEXT, seconds REAL NOT NULL, versions TEXT NOT NULL,"
              + " finished TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"));

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Connection db;
  private FileChannel sweepLock;

  private ResultsStore(Path file, Connection db) {
    this.file = file;
    this.db = db;
  }

  /** Opens {@code file}, creating it when absent; {@code create} false refuses a missing file. */
  public static ResultsStore open(Path file, boolean create) {
    if (!create && !Files.isRegularFile(file)) {
      throw new DiagnosticException(file.toString(), "no such results database (`qcc explore ... --db " + file + "` makes one)");
    }
    boolean fresh = !Files.exists(file);
    Connection db;
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      db = DriverManager.getConnection("jdbc:sqlite:" + file);
    } catch (SQLException | IOException e) {
      throw new DiagnosticException(file.toString(), "cannot open the results database: " + e.getMessage());
    }
    ResultsStore store = new ResultsStore(file, db);
    try {
      store.migrate(fresh, create);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  private void migrate(boolean fresh, boolean create) {
    try (Statement s = db.createStatement()) {
      int version;
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.getInt(1);
      }
      int tables;
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
        tables = rs.getInt(1);
      }
      if (version == 0 && tables > 0) {
        throw new DiagnosticException(file.toString(), "not a qcc results database (it has tables but no qcc schema version)");
      }
      if (version == 0 && !create) {
        // A reader must not write the schema: the sweep creating this file may be about to.
        throw new DiagnosticException(file.toString(), "not a qcc results database yet (no schema; a sweep may still be creating it)");
      }
      if (version > SCHEMA) {
        throw new DiagnosticException(file.toString(), "written by a newer qcc (results schema " + version + ", this qcc reads up to " + SCHEMA + "); use that qcc or another --db");
      }
      if (version > 0) {
        String format = meta().get("format");
        if (!FORMAT.equals(format)) {
          throw new DiagnosticException(file.toString(), "not a qcc results database (meta.format is '" + format + "')");
        }
      }
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA foreign_keys=ON");
      for (int v = version; v < SCHEMA; v++) {
        db.setAutoCommit(false);
        for (String sql : MIGRATIONS.get(v)) {
          s.execute(sql);
        }
        if (v == 0) {
          s.execute("INSERT INTO meta VALUES ('format', '" + FORMAT + "')");
        }
        s.execute("PRAGMA user_version = " + (v + 1));
        db.commit();
        db.setAutoCommit(true);
      }
    } catch (SQLException e) {
      String why = e.getMessage().contains("not a database") || e.getMessage().contains("SQLITE_NOTADB") ? "not an SQLite database" : e.getMessage();
      throw new DiagnosticException(file.toString(), (fresh ? "cannot create the results database: " : "cannot read the results database: ") + why);
    }
  }

  public Path file() {
    return file;
  }

  public synchronized Map<String, String> meta() {
    Map<String, String> out = new LinkedHashMap<>();
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT key, value FROM meta ORDER BY key")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
    return out;
  }

  /**
   * Records what the points belong to; refuses when the store already belongs to another value of
   * any {@code identity} key (the model, the device), since their points would not compare.
   */
  public synchronized void bind(Map<String, String> identity, Map<String, String> info) {
    Map<String, String> existing = meta();
    for (Map.Entry<String, String> e : identity.entrySet()) {
      String had = existing.get(e.getKey());
      if (had != null && !had.equals(e.getValue())) {
        throw new DiagnosticException(file.toString(), "holds points for " + e.getKey() + " " + had + ", not " + e.getValue() + "; use another --db");
      }
    }
    try (PreparedStatement put = db.prepareStatement("INSERT OR REPLACE INTO meta VALUES (?, ?)")) {
      Map<String, String> all = new LinkedHashMap<>(info);
      all.putAll(identity);
      for (Map.Entry<String, String> e : all.entrySet()) {
        put.setString(1, e.getKey());
        put.setString(2, e.getValue());
        put.executeUpdate();
      }
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  public synchronized Set<String> finishedIds() {
    Set<String> ids = new HashSet<>();
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM points")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    } catch (SQLException e) {
      throw failure(e);
    }
    return ids;
  }

  /** Stores a finished point and its per-layer resources in one transaction. */
  public synchronized void put(PointResult r, String versions) {
    try {
      db.setAutoCommit(false);
      try (PreparedStatement p = db.prepareStatement(
          "INSERT OR REPLACE INTO points (id, config, label, family, pipeline, status, error, top1, images, luts, ffs, dsps, brams,"
              + " cycles_per_image, latency_cycles, images_per_second, energy_nj, fits, bottleneck, seconds, versions)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        Object[] values = {
          r.id(), JSON.writeValueAsString(r.config()), r.label(), r.family(), r.pipeline(), r.status(), r.error(), r.top1(), r.images(),
          r.luts(), r.ffs(), r.dsps(), r.brams(), r.cyclesPerImage(), r.latencyCycles(), r.imagesPerSecond(), r.energyNj(),
          r.fits(), r.bottleneck(), r.seconds(), versions
        };
        bind(p, values);
        p.executeUpdate();
      }
      try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO layer_resources VALUES (?, ?, ?, ?, ?)")) {
        int position = 0;
        for (Map.Entry<String, Map<String, Long>> layer : r.layers().entrySet()) {
          for (Map.Entry<String, Long> kind : layer.getValue().entrySet()) {
            p.setString(1, r.id());
            p.setString(2, layer.getKey());
            p.setInt(3, position);
            p.setString(4, kind.getKey());
            p.setLong(5, kind.getValue());
            p.executeUpdate();
          }
          position++;
        }
      }
      db.commit();
    } catch (SQLException | JsonProcessingException e) {
      try {
        db.rollback();
      } catch (SQLException ignored) {
        // the original failure is the one to report
      }
      throw failure(e);
    } finally {
      try {
        db.setAutoCommit(true);
      } catch (SQLException e) {
        throw failure(e);
      }
    }
  }

  private static void bind(PreparedStatement p, Object[] values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == null) {
        p.setNull(i + 1, Types.NULL);
      } else {
        p.setObject(i + 1, values[i] instanceof Boolean b ? (b ? 1 : 0) : values[i]);
      }
    }
  }

  public synchronized void putConfirmation(Confirmation c, String versions) {
    try (PreparedStatement p = db.prepareStatement(
        "INSERT OR REPLACE INTO confirmations (point_id, design, bit_exact, images, mismatches, cycles_per_image, cycle_model_agrees, verilator_note,"
            + " synthesis_device, synthesized, synthesis_note, seconds, versions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      bind(p, new Object[] {
        c.pointId(), c.design(), c.bitExact(), c.images(), c.mismatches(), c.cyclesPerImage(), c.cycleModelAgrees(), c.verilatorNote(),
        c.synthesisDevice(), JSON.writeValueAsString(c.synthesized()), c.synthesisNote(), c.seconds(), versions
      });
      p.executeUpdate();
    } catch (SQLException | JsonProcessingException e) {
      throw failure(e);
    }
  }

  /** The confirmed points by id. */
  public synchronized Map<String, Confirmation> confirmations() {
    Map<String, Confirmation> out = new LinkedHashMap<>();
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM confirmations ORDER BY finished")) {
      while (rs.next()) {
        Integer bitExact = integer(rs, "bit_exact");
        Integer agrees = integer(rs, "cycle_model_agrees");
        out.put(rs.getString("point_id"), new Confirmation(
            rs.getString("point_id"), rs.getString("design"), bitExact == null ? null : bitExact == 1, rs.getInt("images"), rs.getInt("mismatches"),
            real(rs, "cycles_per_image"), agrees == null ? null : agrees == 1, rs.getString("verilator_note"), rs.getString("synthesis_device"),
            JSON.readValue(rs.getString("synthesized"), new TypeReference<Map<String, Long>>() {}), rs.getString("synthesis_note"), rs.getDouble("seconds")));
      }
    } catch (SQLException | JsonProcessingException e) {
      throw failure(e);
    }
    return out;
  }

  /** Every stored point, in the order they finished. */
  public synchronized List<PointResult> points() {
    Map<String, Map<String, Map<String, Long>>> layers = new LinkedHashMap<>();
    try (Statement s = db.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT point_id, layer, kind, amount FROM layer_resources ORDER BY point_id, position, kind")) {
        while (rs.next()) {
          layers.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).computeIfAbsent(rs.getString(2), k -> new LinkedHashMap<>()).put(rs.getString(3), rs.getLong(4));
        }
      }
      List<PointResult> out = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT * FROM points ORDER BY finished, id")) {
        while (rs.next()) {
          String id = rs.getString("id");
          Integer fits = integer(rs, "fits");
          out.add(new PointResult(
              id, JSON.readValue(rs.getString("config"), new TypeReference<Map<String, Object>>() {}), rs.getString("label"), rs.getString("family"),
              rs.getString("pipeline"), rs.getString("status"), rs.getString("error"), real(rs, "top1"), rs.getInt("images"),
              whole(rs, "luts"), whole(rs, "ffs"), whole(rs, "dsps"), whole(rs, "brams"), real(rs, "cycles_per_image"), whole(rs, "latency_cycles"),
              real(rs, "images_per_second"), real(rs, "energy_nj"), fits == null ? null : fits == 1, rs.getString("bottleneck"), rs.getDouble("seconds"),
              layers.getOrDefault(id, Map.of())));
        }
      }
      return out;
    } catch (SQLException | JsonProcessingException e) {
      throw failure(e);
    }
  }

  private static Double real(ResultSet rs, String column) throws SQLException {
    double v = rs.getDouble(column);
    return rs.wasNull() ? null : v;
  }

  private static Long whole(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private static Integer integer(ResultSet rs, String column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  private DiagnosticException failure(Exception e) {
    return new DiagnosticException(file.toString(), "results database: " + e.getMessage());
  }

  /**
   * Claims the store for one sweep until {@link #close()}: two sweeps writing one store would each
   * evaluate the other's pending points. The claim is an OS lock on {@code FILE.lock}, so it
   * ends with the process that held it, however that process ends.
   */
  public synchronized void claimForSweep() {
    Path lock = file.resolveSibling(file.getFileName() + ".lock");
    try {
      FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock held;
      try {
        held = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        held = null;
      }
      if (held == null) {
        String owner = new String(Files.readAllBytes(lock), StandardCharsets.UTF_8).trim();
        channel.close();
        throw new DiagnosticException(file.toString(), "another sweep is writing to this results database (" + (owner.isEmpty() ? "unknown process" : owner) + "); wait for it to finish or use another --db");
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " on " + InetAddress.getLocalHost().getHostName()).getBytes(StandardCharsets.UTF_8)));
      sweepLock = channel;
    } catch (IOException e) {
      throw new DiagnosticException(lock.toString(), "cannot lock the results database: " + e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
      if (sweepLock != null) {
        sweepLock.close();
      }
    } catch (SQLException | IOException e) {
      throw failure(e);
    }
  }
}
