// A small FileCheck: ordered CHECK / CHECK-NEXT / CHECK-NOT patterns matched against text.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Directives are comment lines {@code // P: text}, {@code // P-NEXT: text}, {@code // P-NOT:
 * text} for a prefix P. Text matches as a substring after runs of blanks are collapsed; {@code
 * {{regex}}} embeds a regular expression. P matches at or after the line after the previous
 * match, P-NEXT on exactly that line, and P-NOT must not match between the neighbouring matches.
 */
final class FileCheck {
  enum Kind {
    CHECK,
    NEXT,
    NOT
  }

  record Directive(Kind kind, Pattern pattern, String text, int line) {}

  private FileCheck() {}

  /** The directives for {@code prefix} in {@code source}, in order. */
  static List<Directive> directives(String source, String prefix) {
    List<Directive> out = new ArrayList<>();
    Pattern d = Pattern.compile("^\\s*//\\s*" + Pattern.quote(prefix) + "(-NEXT|-NOT)?:(.*)$");
    String[] lines = source.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = d.matcher(lines[i]);
      if (m.matches()) {
        Kind k = m.group(1) == null ? Kind.CHECK : m.group(1).equals("-NEXT") ? Kind.NEXT : Kind.NOT;
        String text = m.group(2).trim();
        out.add(new Directive(k, compile(text), text, i + 1));
      }
    }
    return out;
  }

  private static Pattern compile(String text) {
    StringBuilder re = new StringBuilder();
    Matcher m = Pattern.compile("\\{\\{(.*?)\\}\\}").matcher(text);
    int last = 0;
    while (m.find()) {
      re.append(Pattern.quote(normalize(text.substring(last, m.start())))).append(m.group(1));
      last = m.end();
    }
    re.append(Pattern.quote(normalize(text.substring(last))));
    return Pattern.compile(re.toString());
  }

  private static String normalize(String s) {
    return s.replaceAll("[ \\t]+", " ");
  }

  /** Null when every directive holds, else a message naming the first that does not. */
  static String check(List<Directive> directives, String output) {
    String[] lines = output.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      lines[i] = normalize(lines[i]).trim();
    }
    int next = 0;
    List<Directive> pendingNot = new ArrayList<>();
    for (Directive d : directives) {
      switch (d.kind()) {
        case NOT -> pendingNot.add(d);
        case NEXT -> {
          if (next >= lines.length || !d.pattern().matcher(lines[next]).find()) {
            return fail(d, "is not on the line after the previous match" + (next < lines.length ? " (that line is: " + lines[next] + ")" : ""));
          }
          next++;
        }
        case CHECK -> {
          int found = -1;
          for (int i = next; i < lines.length; i++) {
            if (d.pattern().matcher(lines[i]).find()) {
              found = i;
              break;
            }
          }
          if (found < 0) {
            return fail(d, "not found after line " + next + " of the output");
          }
          String violated = violatedNot(pendingNot, lines, next, found);
          if (violated != null) {
            return violated;
          }
          pendingNot.clear();
          next = found + 1;
        }
      }
    }
    return violatedNot(pendingNot, lines, next, lines.length);
  }

  private static String violatedNot(List<Directive> nots, String[] lines, int from, int to) {
    for (Directive d : nots) {
      for (int i = from; i < to; i++) {
        if (d.pattern().matcher(lines[i]).find()) {
          return fail(d, "matched output line " + (i + 1) + ": " + lines[i]);
        }
      }
    }
    return null;
  }

  private static String fail(Directive d, String why) {
    return "line " + d.line() + " (" + d.kind() + ": " + d.text() + ") " + why;
  }
}
