// The single definition of an op: schema, attribute defaults, type and shape inference.
package org.qcc.ir.ops;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qcc.ir.Attribute;

/**
 * Everything qcc knows about an op independently of how it executes. Backends and the
 * interpreter look ops up by {@link #key()}; they never re-declare them.
 */
public record OpDef(
    String domain,
    String name,
    String summary,
    int minInputs,
    int maxInputs,
    int minOutputs,
    int maxOutputs,
    Map<String, AttrSpec> attributes,
    ShapeInference inference) {

  /** {@code name} in the default domain, {@code domain.name} otherwise. */
  public String key() {
    return domain.isEmpty() ? name : domain + "." + name;
  }

  public static Builder builder(String name) {
    return new Builder("", name);
  }

  public static Builder builder(String domain, String name) {
    return new Builder(domain, name);
  }

  /** Fluent construction so each op's definition reads as one declaration. */
  public static final class Builder {
    private final String domain;
    private final String name;
    private String summary = "";
    private int minInputs = 1;
    private int maxInputs = 1;
    private int minOutputs = 1;
    private int maxOutputs = 1;
    private final Map<String, AttrSpec> attributes = new LinkedHashMap<>();
    private ShapeInference inference;

    private Builder(String domain, String name) {
      this.domain = domain;
      this.name = name;
    }

    public Builder summary(String s) {
      summary = s;
      return this;
    }

    public Builder inputs(int min, int max) {
      minInputs = min;
      maxInputs = max;
      return this;
    }

    public Builder inputs(int n) {
      return inputs(n, n);
    }

    public Builder outputs(int min, int max) {
      minOutputs = min;
      maxOutputs = max;
      return this;
    }

    public Builder outputs(int n) {
      return outputs(n, n);
    }

    public Builder attr(String attr, Attribute defaultValue) {
      attributes.put(attr, new AttrSpec(attr, defaultValue.kind(), defaultValue, false));
      return this;
    }

    public Builder optionalAttr(String attr, String kind) {
      attributes.put(attr, new AttrSpec(attr, kind, null, false));
      return this;
    }

    public Builder requiredAttr(String attr, String kind) {
      attributes.put(attr, new AttrSpec(attr, kind, null, true));
      return this;
    }

    public Builder infer(ShapeInference rule) {
      inference = rule;
      return this;
    }

    public OpDef build() {
      if (inference == null) {
        throw new IllegalStateException("op " + name + " has no shape inference");
      }
      return new OpDef(
          domain,
          name,
          summary,
          minInputs,
          maxInputs,
          minOutputs,
          maxOutputs,
          Collections.unmodifiableMap(new LinkedHashMap<>(attributes)),
          inference);
    }
  }
}
