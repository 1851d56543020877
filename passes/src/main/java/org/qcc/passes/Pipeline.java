// A parsed pipeline string: passes in order, each with its raw options.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.qcc.ir.DiagnosticException;

/**
 * The text form {@code name{opt=value,...},name,...}. Option values may hold brackets, as in
 * {@code exclude=[fc1,fc2]}, whose commas do not split options. {@link #toString} prints the
 * text back so a pipeline is its own reproducer.
 */
public record Pipeline(List<Step> steps) {
  public Pipeline {
    steps = List.copyOf(steps);
  }

  /** One pass invocation; {@code column} is 1-based, for error messages. */
  public record Step(String pass, Map<String, String> options, int column) {
    public Step {
      options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    @Override
    public String toString() {
      if (options.isEmpty()) {
        return pass;
      }
      return pass + options.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",", "{", "}"));
    }
  }

  public static Pipeline parse(String text) {
    return new Parser(text).pipeline();
  }

  @Override
  public String toString() {
    return steps.stream().map(Step::toString).collect(Collectors.joining(","));
  }

  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    Pipeline pipeline() {
      List<Step> steps = new ArrayList<>();
      skipSpace();
      if (i == s.length()) {
        throw error("is empty");
      }
      while (true) {
        steps.add(step());
        skipSpace();
        if (i == s.length()) {
          return new Pipeline(steps);
        }
        expect(',');
      }
    }

    private Step step() {
      skipSpace();
      int column = i + 1;
      String name = word("a pass name");
      Map<String, String> options = new LinkedHashMap<>();
      skipSpace();
      if (i < s.length() && s.charAt(i) == '{') {
        i++;
        skipSpace();
        while (i < s.length() && s.charAt(i) != '}') {
          String key = word("an option name");
          skipSpace();
          expect('=');
          String value = value();
          if (options.put(key, value) != null) {
            throw error("option '" + key + "' of '" + name + "' is given twice");
          }
          skipSpace();
          if (i < s.length() && s.charAt(i) == ',') {
            i++;
            skipSpace();
          } else if (i < s.length() && s.charAt(i) != '}') {
            throw error("expected ',' or '}' at column " + (i + 1));
          }
        }
        expect('}');
      }
      return new Step(name, options, column);
    }

    private String word(String what) {
      int start = i;
      while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '-' || s.charAt(i) == '_')) {
        i++;
      }
      if (start == i) {
        throw error("expected " + what + " at column " + (i + 1));
      }
      return s.substring(start, i);
    }

    /** Up to the next ',' or '}' outside brackets. */
    private String value() {
      skipSpace();
      int start = i;
      int depth = 0;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == '[') {
          depth++;
        } else if (c == ']') {
          depth--;
        } else if (depth == 0 && (c == ',' || c == '}')) {
          break;
        }
        i++;
      }
      if (depth != 0) {
        throw error("unbalanced '[' in the value at column " + (start + 1));
      }
      String v = s.substring(start, i).trim();
      if (v.isEmpty()) {
        throw error("expected a value at column " + (start + 1));
      }
      return v;
    }

    private void expect(char c) {
      if (i >= s.length() || s.charAt(i) != c) {
        throw error("expected '" + c + "' at column " + (i + 1) + (i >= s.length() ? " (end of pipeline)" : ", found '" + s.charAt(i) + "'"));
      }
      i++;
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private DiagnosticException error(String message) {
      return new DiagnosticException("pipeline \"" + s + "\"", message);
    }
  }
}
