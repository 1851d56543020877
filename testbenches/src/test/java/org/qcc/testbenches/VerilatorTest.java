// What every co-simulation test shares: a work folder, and Verilator, which CI must have.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Skips where Verilator is missing on a developer's machine; under CI (CI set) a missing Verilator fails the build. */
abstract class VerilatorTest {
  @TempDir static Path work;

  @BeforeAll
  static void needsVerilator() {
    assumeTrue(Verilator.available() || System.getenv("CI") != null, "verilator is not installed");
  }
}
