// ONNX backend conformance: every case whose ops qcc supports must pass.
package org.qcc.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConformanceTest {
  @Test
  void supportedCasesPassAndEnoughNodeCasesPass() throws Exception {
    boolean present = Files.isDirectory(ConformanceRunner.DEBIAN);
    if (!present && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("libonnx-testdata is missing in CI: run ./test.sh, which installs it");
    }
    assumeTrue(present, "Debian's libonnx-testdata is not installed (./test.sh installs it)");
    List<String> failures = new ArrayList<>();
    int nodePass = 0;
    for (String suite : ConformanceRunner.SUITES) {
      for (var dir : ConformanceRunner.cases(ConformanceRunner.DEBIAN.resolve(suite))) {
        CaseResult r = ConformanceRunner.run(dir);
        if (r.status() == CaseResult.Status.FAIL) {
          failures.add(suite + "/" + r.name() + ": " + r.reason());
        } else if (r.status() == CaseResult.Status.PASS && suite.equals("node")) {
          nodePass++;
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(nodePass >= 450, "only " + nodePass + " node cases pass");
  }
}
