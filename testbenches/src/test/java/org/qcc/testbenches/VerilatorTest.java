// What every co-simulation test shares: a work folder, and Verilator, which CI must have.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.qcc.backends.rtl.ChainPlan;
import org.junit.jupiter.api.io.TempDir;

/** Skips where Verilator is missing on a developer's machine; under CI (CI set) a missing Verilator fails the build. */
abstract class VerilatorTest {
  @TempDir static Path work;

  @BeforeAll
  static void needsVerilator() {
    assumeTrue(Verilator.available() || System.getenv("CI") != null, "verilator is not installed");
  }

  /** Every image's outputs from the chain's last sums, through the host's output step, equal {@code expected} bit for bit. */
  static void assertLogitsEqual(ChainPlan plan, MatrixVectorBench.Run run, float[] expected, int images, int outputs) {
    int mismatches = 0;
    String first = "";
    for (int i = 0; i < images; i++) {
      for (int c = 0; c < outputs; c++) {
        float got = plan.output(c, run.outputs().get(i).get(c).rounded());
        float want = expected[i * outputs + c];
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got) && mismatches++ == 0) {
          first = "image " + i + " logit " + c + ": " + want + " vs " + got;
        }
      }
    }
    assertEquals(0, mismatches, "logits differ, the first " + first);
  }
}
