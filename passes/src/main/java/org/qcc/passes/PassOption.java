// A typed, documented pass option: how it is spelled, its default and how a value is checked.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;

/**
 * One option of a pass, declared once as data; the pipeline parser, {@code qcc opt
 * --list-passes} and error messages all come from it. {@link #parse} throws
 * IllegalArgumentException with a message that says what is allowed.
 */
public sealed interface PassOption<T> permits PassOption.Int, PassOption.Real, PassOption.Flag, PassOption.Choice, PassOption.Format, PassOption.Names, PassOption.File {
  String name();

  String doc();

  T defaultValue();

  T parse(String raw);

  /** The value as a pipeline would spell it. */
  default String show(T value) {
    return String.valueOf(value);
  }

  /** What values are allowed, for help text. */
  String allowed();

  /** An integer in [min, max]. */
  record Int(String name, int initial, int min, int max, String doc) implements PassOption<Integer> {
    @Override
    public Integer parse(String raw) {
      int v;
      try {
        v = Integer.parseInt(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected an integer in " + allowed() + ", got '" + raw + "'");
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("must be in " + allowed() + ", got " + v);
      }
      return v;
    }

    @Override
    public Integer defaultValue() {
      return initial;
    }

    @Override
    public String allowed() {
      return min + ".." + max;
    }
  }

  /** A real number in [min, max]. */
  record Real(String name, double initial, double min, double max, String doc) implements PassOption<Double> {
    @Override
    public Double parse(String raw) {
      double v;
      try {
        v = Double.parseDouble(raw.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a number in " + allowed() + ", got '" + raw + "'");
      }
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException("must be in " + allowed() + ", got " + raw.trim());
      }
      return v;
    }

    @Override
    public Double defaultValue() {
      return initial;
    }

    @Override
    public String allowed() {
      return "[" + min + ", " + max + "]";
    }
  }

  /** true or false. */
  record Flag(String name, boolean initial, String doc) implements PassOption<Boolean> {
    @Override
    public Boolean parse(String raw) {
      return switch (raw.trim()) {
        case "true", "1" -> true;
        case "false", "0" -> false;
        default -> throw new IllegalArgumentException("expected true or false, got '" + raw + "'");
      };
    }

    @Override
    public Boolean defaultValue() {
      return initial;
    }

    @Override
    public String allowed() {
      return "true, false";
    }
  }

  /** One of a fixed set of words. */
  record Choice(String name, String defaultValue, List<String> choices, String doc) implements PassOption<String> {
    public Choice {
      choices = List.copyOf(choices);
    }

    @Override
    public String parse(String raw) {
      String v = raw.trim();
      if (!choices.contains(v)) {
        throw new IllegalArgumentException("must be one of " + allowed() + ", got '" + v + "'");
      }
      return v;
    }

    @Override
    public String allowed() {
      return String.join(", ", choices);
    }
  }

  /** A number format by its textual name (see {@code qcc formats list}); "none" for no format. */
  record Format(String name, String defaultName, String doc) implements PassOption<ElementFormat> {
    @Override
    public ElementFormat defaultValue() {
      return defaultName.equals("none") ? null : ElementFormats.parse(defaultName);
    }

    @Override
    public ElementFormat parse(String raw) {
      String v = raw.trim();
      return v.equals("none") ? null : ElementFormats.parse(v);
    }

    @Override
    public String show(ElementFormat value) {
      return value == null ? "none" : value.name();
    }

    @Override
    public String allowed() {
      return "a format name (qcc formats list) or none";
    }
  }

  /** A list of names, written {@code [a,b]} or a single name. */
  record Names(String name, String doc) implements PassOption<List<String>> {
    @Override
    public List<String> defaultValue() {
      return List.of();
    }

    @Override
    public List<String> parse(String raw) {
      String v = raw.trim();
      if (v.startsWith("[") && v.endsWith("]")) {
        v = v.substring(1, v.length() - 1);
      }
      List<String> out = new ArrayList<>();
      for (String s : v.split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return List.copyOf(out);
    }

    @Override
    public String show(List<String> value) {
      return value.size() == 1 ? value.get(0) : "[" + String.join(",", value) + "]";
    }

    @Override
    public String allowed() {
      return "a name or [name,name,...]";
    }
  }

  /** A file path, or empty for none; the pass reads it when it runs. */
  record File(String name, String doc) implements PassOption<String> {
    @Override
    public String defaultValue() {
      return "";
    }

    @Override
    public String parse(String raw) {
      return raw.trim();
    }

    @Override
    public String allowed() {
      return "a file path";
    }
  }

  /** Convenience for {@link Choice} declarations. */
  static Choice choice(String name, String defaultValue, String doc, String... choices) {
    return new Choice(name, defaultValue, Arrays.asList(choices), doc);
  }
}
