// The checked option values of one pass invocation.
package org.qcc.passes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Values for every option a pass declares: given ones parsed and checked, the rest defaulted. */
public final class PassOptions {
  private final List<PassOption<?>> declared;
  private final Map<String, String> raw;
  private final Map<String, Object> values;

  private PassOptions(List<PassOption<?>> declared, Map<String, String> raw, Map<String, Object> values) {
    this.declared = declared;
    this.raw = raw;
    this.values = values;
  }

  /**
   * Parses {@code raw} against {@code declared}; throws IllegalArgumentException naming the
   * option when one is unknown or its value is not allowed.
   */
  static PassOptions parse(List<PassOption<?>> declared, Map<String, String> raw) {
    Map<String, PassOption<?>> byName = new LinkedHashMap<>();
    declared.forEach(o -> byName.put(o.name(), o));
    for (String key : raw.keySet()) {
      if (!byName.containsKey(key)) {
        throw new IllegalArgumentException(
            "unknown option '" + key + "'" + (byName.isEmpty() ? " (it takes no options)" : " (options: " + String.join(", ", byName.keySet()) + ")"));
      }
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (PassOption<?> o : declared) {
      String r = raw.get(o.name());
      if (r == null) {
        values.put(o.name(), o.defaultValue());
        continue;
      }
      try {
        values.put(o.name(), o.parse(r));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("option '" + o.name() + "' " + e.getMessage(), e);
      }
    }
    return new PassOptions(List.copyOf(declared), Map.copyOf(raw), values);
  }

  /**
   * These options with {@code overrides} given on top, checked like a pipeline's: how a pass
   * applies per-layer settings from a config file.
   */
  public PassOptions with(Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>(raw);
    merged.putAll(overrides);
    return parse(declared, merged);
  }

  @SuppressWarnings("unchecked")
  public <T> T get(PassOption<T> option) {
    if (!values.containsKey(option.name())) {
      throw new IllegalStateException("option " + option.name() + " is not declared by this pass");
    }
    return (T) values.get(option.name());
  }
}
