// What every co-simulation test shares: a work folder, and Verilator, which CI must have.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.ir.FloatTensor;
import org.qcc.hw.ChainLayer;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.functional.Interpreter;

/** Skips where Verilator is missing on a developer's machine; under CI (CI set) a missing Verilator fails the build. */
abstract class VerilatorTest {
  @TempDir static Path work;

  @BeforeAll
  static void needsVerilator() {
    assumeTrue(Verilator.available() || System.getenv("CI") != null, "verilator is not installed");
  }

  /**
   * The images {@code x} (shape {@code shape}, images first) through the interpreter and through the
   * Verilator model of {@code g}'s chain folded by 4 (built in {@code work/NAME}), its output ready
   * two cycles in three: every logit equals the interpreter's bit for bit, and the cycle-level model
   * counts the run's cycles and latency as Verilator does. Returns the chain's plan.
   */
  static ChainPlan assertChainMatchesInterpreter(Graph g, float[] x, int[] shape, String name) {
    return assertChainMatchesInterpreter(g, x, shape, name, false);
  }

  /** As above; given {@code loaded}, every layer with a weight memory loads it at start-up (single-port RAMs), wherever the UP5K would place it. */
  static ChainPlan assertChainMatchesInterpreter(Graph g, float[] x, int[] shape, String name, boolean loaded) {
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(new FloatTensor(FloatFormat.FP32, shape, x))).get(0)).data();
    ChainPlan plan = ChainPlan.of(g, 4, 4);
    int images = shape[0];
    int n = x.length / images;
    List<int[]> vectors = new ArrayList<>();
    for (int i = 0; i < images; i++) {
      vectors.add(plan.inputCodes(Arrays.copyOfRange(x, i * n, (i + 1) * n)));
    }
    ChainLayer[] hardware = plan.hardware();
    if (loaded) {
      hardware = Arrays.stream(hardware).map(l -> l.weightLines().depth() > 1 ? l.withLoadedWeights() : l).toArray(ChainLayer[]::new);
    }
    MatrixVectorBench.Run run = MatrixVectorBench.chain(work.resolve(name), hardware).run(vectors);
    assertLogitsEqual(plan, run, expected, images, expected.length / images);
    CycleSimulator.Run model = CycleSimulator.run(plan.dataflow(), images, true);
    assertEquals(run.cycles(), model.cycles(), "cycles in all, the cycle-level model against Verilator");
    assertEquals(run.latency(), model.latency(), "the first image's latency, the cycle-level model against Verilator");
    return plan;
  }

  /** The cycle-level model counts {@code r}'s cycles and first-image latency exactly as Verilator did. */
  static void assertModelAgrees(ChainCosimulation.Report r) {
    assertEquals(r.cycles(), r.model().cycles(), "cycles in all, the cycle-level model against Verilator");
    assertEquals(r.latency(), r.model().latency(), "the first image's latency, the cycle-level model against Verilator");
  }

  /** Every image's outputs from the chain's last sums, through the host's output step, equal {@code expected} bit for bit. */
  private static void assertLogitsEqual(ChainPlan plan, MatrixVectorBench.Run run, float[] expected, int images, int outputs) {
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
