// A sweep's finished points on disk, so that an interrupted sweep resumes where it stopped.
package org.qcc.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.DiagnosticException;

/** {@code {"meta": {...}, "results": [...]}}, rewritten atomically after every finished point. */
final class ResultsFile {
  private ResultsFile() {}

  /** The stored results; empty when the file does not exist yet. */
  static <T> List<T> load(Path json, Class<T> type) {
    if (!Files.isRegularFile(json)) {
      return List.of();
    }
    try {
      Map<String, Object> root = Json.MAPPER.readValue(json.toFile(), new TypeReference<>() {});
      JavaType list = Json.MAPPER.getTypeFactory().constructCollectionType(List.class, type);
      List<T> results = Json.MAPPER.convertValue(root.get("results"), list);
      return results == null ? List.of() : results;
    } catch (IOException | IllegalArgumentException e) {
      throw new DiagnosticException(json.toString(), "cannot read earlier results (delete it to start over): " + e.getMessage());
    }
  }

  /** The closing line of a sweep, or with --json one object naming the files and counting the points. */
  static void printSummary(picocli.CommandLine cl, boolean asJson, Path json, Path table, int points, int computed) {
    if (asJson) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("results", json.toString());
      o.put("table", table.toString());
      o.put("points", points);
      o.put("computed", computed);
      Json.print(cl.getOut(), o);
    } else {
      cl.getOut().println("wrote " + table + " and " + json + " (" + points + " points, " + computed + " computed now)");
    }
  }

  static void save(Path json, Map<String, Object> meta, Collection<?> results) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("meta", meta);
    root.put("results", new ArrayList<>(results));
    Models.writeAtomically(json, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }
}
