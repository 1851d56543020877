// Golden-file tests: every .qir under golden/ runs its RUN pipelines and checks the printed IR.
package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;
import org.qcc.ir.text.QirPrinter;

/**
 * A golden file holds {@code // RUN: PIPELINE} lines (or {@code // RUN[P]: PIPELINE} to check
 * with prefix P instead of CHECK), the checks, and the input graph. A prefix with {@code
 * P-ERROR: text} lines expects the pipeline to fail with each text in its message, leaving the
 * graph as it was. Every pass runs with --verify-each, and with 64 samples of {@link
 * SyntheticCalibration} as calibration data. {@code -Dgolden.print=NAME} prints the IR each
 * pipeline of the files whose path contains NAME produces, for writing the checks.
 */
class GoldenTest {
  private static final Pattern RUN = Pattern.compile("^\\s*//\\s*RUN(?:\\[([A-Z0-9_-]+)\\])?:(.*)$", Pattern.MULTILINE);

  @TestFactory
  Stream<DynamicTest> goldenFiles() throws IOException, URISyntaxException {
    Path dir = Path.of(GoldenTest.class.getResource("/golden").toURI());
    List<DynamicTest> tests = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".qir")).sorted().toList()) {
        String source = Files.readString(f, StandardCharsets.UTF_8);
        Matcher m = RUN.matcher(source);
        boolean any = false;
        while (m.find()) {
          any = true;
          String prefix = m.group(1) == null ? "CHECK" : m.group(1);
          String pipeline = m.group(2).trim();
          String name = dir.relativize(f) + " [" + prefix + "] " + pipeline;
          tests.add(DynamicTest.dynamicTest(name, () -> run(f.toString(), source, prefix, pipeline)));
        }
        String file = dir.relativize(f).toString();
        boolean hasRun = any;
        tests.add(DynamicTest.dynamicTest(file + " has RUN lines", () -> assertTrue(hasRun, file + " has no RUN line")));
      }
    }
    return tests.stream();
  }

  private static void run(String file, String source, String prefix, String pipeline) {
    Graph g = QirParser.parse(source, file);
    Verifier.standard().inferTypes(g);
    Verifier.standard().verifyOrThrow(g);
    List<String> errors = errorDirectives(source, prefix);
    if (!errors.isEmpty()) {
      String before = QirPrinter.print(g);
      DiagnosticException e = assertThrows(DiagnosticException.class, () -> manager(pipeline).run(g, new SyntheticCalibration(g, 64)), pipeline + " should fail");
      for (String text : errors) {
        assertTrue(e.getMessage().contains(text), "error '" + e.getMessage() + "' lacks '" + text + "'");
      }
      assertEquals(before, QirPrinter.print(g), "a failing pipeline changed the graph");
      return;
    }
    manager(pipeline).run(g, new SyntheticCalibration(g, 64));
    String printed = QirPrinter.print(g);
    List<FileCheck.Directive> checks = FileCheck.directives(source, prefix);
    assertFalse(checks.isEmpty(), "no " + prefix + " lines for RUN " + pipeline);
    if (System.getProperty("golden.print") != null && file.contains(System.getProperty("golden.print"))) {
      System.err.println("PRINTED " + prefix + " " + pipeline + "\n" + printed);
    }
    String failure = FileCheck.check(checks, printed);
    assertNull(failure, () -> file + ": " + failure + "\n--- output of " + pipeline + " ---\n" + printed);
    assertEquals(printed, QirPrinter.print(QirParser.parse(printed, "output")), "the output does not print back identically");
  }

  private static PassManager manager(String pipeline) {
    return PassManager.build(PassRegistry.standard(), Pipeline.parse(pipeline), new PassManager.Instrumentation(null, true));
  }

  private static List<String> errorDirectives(String source, String prefix) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("^\\s*//\\s*" + Pattern.quote(prefix) + "-ERROR:(.*)$", Pattern.MULTILINE).matcher(source);
    while (m.find()) {
      out.add(m.group(1).trim());
    }
    return out;
  }
}
