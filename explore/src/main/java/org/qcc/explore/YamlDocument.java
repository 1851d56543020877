// A YAML file's tree plus the line each key and item starts on, for errors that point at them.
package org.qcc.explore;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.qcc.ir.DiagnosticException;

/**
 * Jackson's tree forgets where its nodes came from, so a second, streaming pass records each
 * value's line by its JSON pointer. {@link #error} turns a pointer into "FILE line N, key K".
 */
final class YamlDocument {
  private final String file;
  private final JsonNode root;
  private final Map<String, Integer> lines;

  private YamlDocument(String file, JsonNode root, Map<String, Integer> lines) {
    this.file = file;
    this.root = root;
    this.lines = lines;
  }

  static YamlDocument parse(String text, String file) {
    try {
      JsonNode root = new YAMLMapper().readTree(text);
      return new YamlDocument(file, root, lines(text));
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new DiagnosticException(file + (loc == null ? "" : " line " + loc.getLineNr()), "not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new DiagnosticException(file, "cannot read: " + e.getMessage());
    }
  }

  private static Map<String, Integer> lines(String text) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser p = new YAMLFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        JsonStreamContext ctx = p.getParsingContext();
        // A structure's start token already sits in its own new context; its place is its parent's.
        JsonStreamContext at = t.isStructStart() && ctx.getParent() != null ? ctx.getParent() : ctx;
        lines.putIfAbsent(at.pathAsPointer().toString(), p.currentTokenLocation().getLineNr());
      }
    }
    return lines;
  }

  JsonNode root() {
    return root;
  }

  /** An error at the value {@code pointer} names (its nearest recorded ancestor's line if need be). */
  DiagnosticException error(String pointer, String message) {
    String at = pointer;
    while (!lines.containsKey(at) && !at.isEmpty()) {
      at = at.substring(0, at.lastIndexOf('/'));
    }
    Integer line = lines.get(at);
    String where = file + (line == null ? "" : " line " + line) + (pointer.isEmpty() ? "" : ", key " + key(pointer));
    return new DiagnosticException(where, message);
  }

  /** "/layers/~1fc1/weights/1" as a reader writes it: layers./fc1.weights[1]. */
  static String key(String pointer) {
    StringBuilder out = new StringBuilder();
    for (JsonPointer p = JsonPointer.compile(pointer); !p.matches(); p = p.tail()) {
      if (p.getMatchingIndex() >= 0 && p.getMatchingProperty().chars().allMatch(Character::isDigit)) {
        out.append('[').append(p.getMatchingIndex()).append(']');
      } else {
        out.append(out.length() == 0 ? "" : ".").append(p.getMatchingProperty());
      }
    }
    return out.toString();
  }
}
