// The cycle-level model's schedules on small chains, and its refusals; testbenches compares it with Verilator.
package org.qcc.simulator.cycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;

class CycleSimulatorTest {
  private static Dataflow.Stage dense(String name, int rows, int cols, int pe, int simd, boolean last) {
    return new Dataflow.Stage(name, rows, cols, pe, simd, null, null, last, last ? 0 : 1, false, -1, false, 0, 0, null);
  }

  /** One layer folded 4 x 4: once the pipeline is full, an image every (8 / 2) * (16 / 4) cycles. */
  @Test
  void aLoneLayerKeepsItsFoldedPace() {
    Dataflow d = new Dataflow(List.of(dense("fc", 8, 16, 2, 4, true)));
    CycleSimulator.Run run = CycleSimulator.run(d, 20, false);
    assertEquals(16.0, run.cyclesPerImage());
    assertTrue(run.latency() > 16 && run.latency() < 2 * 16, "latency " + run.latency());
    assertEquals(20 * 16, run.bottleneck().busyCycles());
  }

  /** The slowest layer sets the pace of a chain and is named its bottleneck. */
  @Test
  void theSlowestLayerSetsThePace() {
    Dataflow d = new Dataflow(List.of(dense("fc1", 16, 24, 4, 2, false), dense("fc2", 6, 16, 1, 4, true)));
    assertEquals("fc1", d.slowest().name());
    CycleSimulator.Run run = CycleSimulator.run(d, 30, false);
    assertEquals(4 * 12, run.cyclesPerImage(), 0.5);
    assertEquals("fc1", run.bottleneck().name());
  }

  /** An output side ready two cycles in three slows a layer that emits more beats than that allows. */
  @Test
  void backPressureSlowsAnOutputBoundLayer() {
    Dataflow d = new Dataflow(List.of(dense("fc", 16, 4, 1, 4, true)));
    assertEquals(16.0, CycleSimulator.run(d, 30, false).cyclesPerImage());
    assertEquals(24.0, CycleSimulator.run(d, 30, true).cyclesPerImage(), 0.5);
  }

  /** A convolution streams its windows: (8 / 4) * (36 / 4) cycles for each of its 10 x 10 output pixels. */
  @Test
  void aConvolutionTakesItsWindowsPace() {
    Dataflow.Window w = new Dataflow.Window(10, 10, 4, 3, 3, 1, 1, 1, 1, 10, 10);
    Dataflow.Stage conv = new Dataflow.Stage("conv", 8, 36, 4, 4, w, new Dataflow.Pool(10, 10, 8, 2), false, 1, false, -1, false, 0, 0, null);
    Dataflow d = new Dataflow(List.of(conv, dense("fc", 5, 200, 1, 4, true)));
    CycleSimulator.Run run = CycleSimulator.run(d, 5, false);
    assertEquals(1800, run.cyclesPerImage(), 18);
  }

  /**
   * A small residual network: a pooled convolution, one whose fp32 values fork, one that adds them
   * back, a global average pool, and a Gemm.
   */
  static Dataflow residualNetwork() {
    Dataflow.Window w1 = new Dataflow.Window(12, 12, 2, 3, 3, 1, 1, 1, 1, 12, 12);
    Dataflow.Window w2 = new Dataflow.Window(6, 6, 4, 3, 3, 1, 1, 1, 1, 6, 6);
    return new Dataflow(List.of(
        new Dataflow.Stage("conv1", 4, 18, 2, 2, w1, new Dataflow.Pool(12, 12, 4, 2), false, 1, false, -1, false, 0, 0, null),
        new Dataflow.Stage("conv2", 4, 36, 2, 2, w2, null, false, 1, true, -1, true, 74, 0, null),
        new Dataflow.Stage("conv3", 4, 36, 2, 2, w2, null, false, 1, true, 1, false, 0, 0, null),
        new Dataflow.Stage("conv4", 8, 36, 4, 2, w2, null, false, 1, true, -1, false, 0, 36, null),
        dense("fc", 3, 8, 1, 4, true)));
  }

  /** Skipping the images that repeat an earlier one changes no count, with and without back-pressure. */
  @Test
  void skippingRepeatedImagesChangesNoCount() {
    Dataflow.Window w = new Dataflow.Window(10, 10, 4, 3, 3, 2, 2, 1, 1, 5, 5);
    List<Dataflow> designs = List.of(
        new Dataflow(List.of(dense("fc1", 16, 24, 4, 2, false), dense("fc2", 6, 16, 1, 4, true))),
        new Dataflow(List.of(new Dataflow.Stage("conv", 8, 36, 4, 4, w, null, false, 0, false, -1, false, 0, 0, null), dense("fc", 5, 200, 1, 4, true))),
        residualNetwork());
    for (Dataflow d : designs) {
      for (boolean backPressure : new boolean[] {false, true}) {
        CycleSimulator.Run fast = CycleSimulator.run(d, 40, backPressure, true);
        CycleSimulator.Run slow = CycleSimulator.run(d, 40, backPressure, false);
        String what = d.stages().get(0).name() + (backPressure ? " with back-pressure" : "");
        assertEquals(slow.cycles(), fast.cycles(), what);
        assertEquals(slow.latency(), fast.latency(), what);
        assertEquals(slow.stages(), fast.stages(), what);
        assertTrue(fast.stepped() < slow.stepped() / 4 && slow.stepped() == slow.cycles(), what + ": stepped " + fast.stepped() + " of " + slow.cycles());
      }
    }
  }

  /** The residual network keeps the pace of its slowest convolution. */
  @Test
  void aResidualNetworkKeepsItsSlowestLayersPace() {
    Dataflow d = residualNetwork();
    CycleSimulator.Run run = CycleSimulator.run(d, 10, false);
    assertEquals(d.slowest().cyclesPerImage(), run.cyclesPerImage(), d.slowest().cyclesPerImage() / 20.0);
  }

  /** A residual queue too small for what the fork emits before the add can start deadlocks the chain, and the report names the stages. */
  @Test
  void aTooSmallResidualQueueDeadlocks() {
    List<Dataflow.Stage> stages = new ArrayList<>(residualNetwork().stages());
    stages.set(1, stages.get(1).withForkDepth(1));
    DeadlockException e = assertThrows(DeadlockException.class, () -> CycleSimulator.run(new Dataflow(stages), 3, false));
    assertTrue(e.getMessage().contains("residual queue is full") && e.getMessage().contains("conv3 (its windows wait for input rows)"), e.getMessage());
  }

  /**
   * Sizing finds the smallest residual queue that keeps the pace: the chain with it runs as fast as
   * with a whole image's, and one place fewer either deadlocks or runs slower.
   */
  @Test
  void sizingKeepsThePaceWithTheSmallestQueue() {
    Dataflow d = residualNetwork();
    FifoSizing.Result sized = FifoSizing.minimize(d);
    assertEquals(1, sized.changes().size());
    FifoSizing.Change c = sized.changes().get(0);
    assertEquals("conv2", c.stage());
    assertEquals(74, c.from());
    assertTrue(c.to() > 1 && c.to() < 74, "sized to " + c.to());
    assertEquals(c.to(), sized.dataflow().stages().get(1).forkDepth());
    for (boolean backPressure : new boolean[] {false, true}) {
      assertEquals(CycleSimulator.run(d, 12, backPressure).cycles(), CycleSimulator.run(sized.dataflow(), 12, backPressure).cycles());
    }
    List<Dataflow.Stage> smaller = new ArrayList<>(d.stages());
    smaller.set(1, smaller.get(1).withForkDepth(c.to() - 1));
    boolean worse;
    try {
      worse = CycleSimulator.run(new Dataflow(smaller), 12, false).cycles() > CycleSimulator.run(d, 12, false).cycles()
          || CycleSimulator.run(new Dataflow(smaller), 12, true).cycles() > CycleSimulator.run(d, 12, true).cycles();
    } catch (DeadlockException e) {
      worse = true;
    }
    assertTrue(worse, "one place fewer keeps the pace too");
  }

  @Test
  void streamsOfDifferentWidthsAreRefused() {
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Dataflow(List.of(dense("fc1", 16, 24, 4, 2, false), dense("fc2", 6, 16, 2, 2, true))));
    assertTrue(e.getMessage().contains("fc2") && e.getMessage().contains("SIMD 2") && e.getMessage().contains("PE 4"), e.getMessage());
  }

  @Test
  void aResidualAddNeedsAnEarlierFork() {
    Dataflow.Stage first = dense("a", 8, 8, 4, 4, false);
    Dataflow.Stage add = new Dataflow.Stage("b", 8, 8, 4, 4, null, null, false, 1, true, 0, false, 0, 0, null);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> new Dataflow(List.of(first, add, dense("c", 2, 8, 1, 4, true))));
    assertTrue(e.getMessage().contains("b") && e.getMessage().contains("forks"), e.getMessage());
  }

  @Test
  void foldsThatDoNotDivideAreRefused() {
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> dense("fc", 10, 16, 4, 4, true));
    assertTrue(e.getMessage().contains("PE 4") && e.getMessage().contains("10 rows"), e.getMessage());
  }
}
