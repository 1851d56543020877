// Per-layer quantize settings (mixed precision) from a JSON or YAML file.
package org.qcc.passes.quant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A mapping of quantize options that apply to every layer, plus {@code layers}: layer names (or
 * globs with {@code *} and {@code ?}) mapped to the options that differ for them. Entries apply in
 * file order, so a specific name after a glob refines it. JSON is valid YAML, so one reader
 * serves both:
 *
 * <pre>
 * weights: int8
 * acts: uint8
 * layers:
 *   "/features/*": {weights: int4, granularity: group, group-size: 16}
 *   /classifier/Gemm: {weights: none, acts: none}
 * </pre>
 */
record QuantizeConfig(Path file, Map<String, String> defaults, List<QuantizeConfig.Entry> layers) {
  /** The options a config may set, for all layers or for one. */
  static final Set<String> KEYS = Set.of("weights", "acts", "granularity", "group-size", "scale", "rounding");

  record Entry(String pattern, Map<String, String> options) {
    boolean matches(String layer) {
      return Pattern.matches(globToRegex(pattern), layer);
    }
  }

  static QuantizeConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage());
    }
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(text);
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      throw new IllegalArgumentException("config " + file + (loc == null ? "" : " line " + loc.getLineNr()) + ": " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("config " + file + ": expected a mapping of options and 'layers'");
    }
    Map<String, String> defaults = new LinkedHashMap<>();
    List<Entry> layers = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("layers")) {
        if (!e.getValue().isObject()) {
          throw new IllegalArgumentException("config " + file + ": 'layers' must map layer names to options");
        }
        for (Iterator<Map.Entry<String, JsonNode>> ls = e.getValue().fields(); ls.hasNext(); ) {
          Map.Entry<String, JsonNode> l = ls.next();
          layers.add(new Entry(l.getKey(), options(file, "layer '" + l.getKey() + "'", l.getValue())));
        }
      } else {
        defaults.put(e.getKey(), option(file, "the top level", e.getKey(), e.getValue()));
      }
    }
    return new QuantizeConfig(file, Map.copyOf(defaults), List.copyOf(layers));
  }

  private static Map<String, String> options(Path file, String where, JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("config " + file + ": " + where + " must map option names to values");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), option(file, where, e.getKey(), e.getValue()));
    }
    return out;
  }

  private static String option(Path file, String where, String key, JsonNode value) {
    if (!KEYS.contains(key)) {
      throw new IllegalArgumentException("config " + file + ": " + where + ": unknown option '" + key + "' (options: " + String.join(", ", KEYS.stream().sorted().toList()) + ", layers)");
    }
    if (!value.isValueNode() || value.isNull()) {
      throw new IllegalArgumentException("config " + file + ": " + where + ": option '" + key + "' needs a single value");
    }
    return value.asText();
  }

  /** Options for {@code layer}: the defaults, then every matching entry in file order. */
  Map<String, String> overridesFor(String layer) {
    Map<String, String> out = new LinkedHashMap<>(defaults);
    for (Entry e : layers) {
      if (e.matches(layer)) {
        out.putAll(e.options());
      }
    }
    return out;
  }

  /** A name or glob that matches no layer is a typo until proven otherwise. */
  void checkEveryEntryMatches(Collection<String> layerNames) {
    for (Entry e : layers) {
      if (layerNames.stream().noneMatch(e::matches)) {
        throw new IllegalArgumentException("config " + file + ": layer '" + e.pattern() + "' matches no Conv, Gemm or MatMul layer (layers: " + String.join(", ", layerNames) + ")");
      }
    }
  }

  private static String globToRegex(String glob) {
    StringBuilder r = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> r.append(".*");
        case '?' -> r.append('.');
        default -> r.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return r.toString();
  }
}
