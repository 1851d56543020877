// The calibration grid: reproducible networks that compile, and a collection that resumes without synthesizing a point twice.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cost.CostSamples;
import org.qcc.simulator.cycle.Dataflow;

class CostCalibrationTest {
  @TempDir Path work;

  /**
   * The grid's first 60 networks each lower to a two-stage chain within their folding caps, the
   * same network for the same index every time, and together they cover every format of the grid
   * for data and for weights, dense and sparse, fully-connected and convolutional layers.
   */
  @Test
  void gridPointsAreReproducibleAndCoverTheFormats() {
    Set<String> data = new HashSet<>();
    Set<String> weights = new HashSet<>();
    int sparse = 0;
    int conv = 0;
    for (int i = 0; i < 60; i++) {
      CalibrationNetworks.Point p = CalibrationNetworks.point(i);
      assertEquals(p.description(), CalibrationNetworks.point(i).description());
      Dataflow d = ChainPlan.of(p.graph(), p.maxPe(), p.maxSimd()).dataflow();
      assertEquals(2, d.stages().size(), p.description());
      for (Dataflow.Stage s : d.stages()) {
        assertTrue(s.pe() <= p.maxPe(), p.description());
        data.add(s.arithmetic().dataFormat());
        weights.add(s.arithmetic().weightFormat());
      }
      sparse += d.stages().get(0).arithmetic().sparse() ? 1 : 0;
      conv += d.stages().get(0).window() != null ? 1 : 0;
    }
    assertEquals(Set.copyOf(CalibrationNetworks.DATA), data);
    assertEquals(Set.copyOf(CalibrationNetworks.WEIGHTS), weights);
    assertTrue(sparse >= 5 && conv >= 10, sparse + " sparse, " + conv + " convolutional");
  }

  /**
   * Collecting two points for the iCE40 writes two sample lines with both layers' stages and
   * resources; collecting three then synthesizes only the third; a samples file of another device
   * is refused.
   */
  @Test
  void collectionAppendsPointsAndResumes() throws IOException {
    assumeTrue(ExternalTool.available("yosys") || System.getenv("CI") != null, "yosys is not installed");
    Path samples = work.resolve("ice40.jsonl");
    List<String> heard = new ArrayList<>();
    CostCalibration.Collected first = CostCalibration.collect(Synthesis.Device.ice40, 2, samples, work.resolve("tmp"), heard::add);
    assertEquals(2, first.synthesized() + first.skipped());
    assertEquals(0, first.resumed());
    List<CostSamples.Point> points = CostSamples.read(samples);
    assertEquals(List.of(0, 1), points.stream().map(CostSamples.Point::point).toList());
    for (CostSamples.Point p : points) {
      assertNull(p.skipped());
      assertEquals(2, p.layers().size());
      assertTrue(p.layers().get(0).resources().get("lut4") > 0, p.toString());
    }
    CostCalibration.Collected second = CostCalibration.collect(Synthesis.Device.ice40, 3, samples, work.resolve("tmp"), heard::add);
    assertEquals(2, second.resumed());
    assertEquals(1, second.synthesized() + second.skipped());
    assertEquals(3, heard.size(), heard.toString());
    assertEquals(3, Files.readAllLines(samples).size());
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> CostCalibration.collect(Synthesis.Device.xc7, 3, samples, work.resolve("tmp"), heard::add));
    assertEquals(samples + ": it holds samples for ice40, not xc7 (one file per device)", e.getMessage());
  }
}
