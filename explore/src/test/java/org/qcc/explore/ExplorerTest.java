// A sweep on the bundled MLP: metrics of every kind of point, the store, and resuming.
package org.qcc.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;

class ExplorerTest {
  @TempDir Path tmp;

  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  private static PointEvaluator evaluator(Space space, String device) {
    Path model = HOME.resolve("models/fashion_mlp.onnx");
    Path subset = HOME.resolve("data/fashion-mnist-subset");
    return new PointEvaluator(() -> OnnxImporter.importFile(model), space, Device.named(device), FashionMnist.load(subset), new DatasetCalibration("fashion-mnist", subset));
  }

  @Test
  void aSweepStoresEveryPointAndASecondRunEvaluatesNone() {
    Space space = Space.parse(
        """
        weights: [int4, e2m1fin]
        acts: [int8, none]
        layers:
          /fc2/*: {weights: int8}
        evaluation: {images: 60, calibration-images: 32}
        fold: {pe: 4, simd: 4}
        """, "s.yaml");
    List<String> seen = new ArrayList<>();
    try (ResultsStore store = ResultsStore.open(tmp.resolve("r.db"), true);
        LocalExecutor executor = new LocalExecutor(evaluator(space, "xc7a35t"), 2, null)) {
      Explorer explorer = new Explorer(executor, store, "{}", (r, done, total, elapsed) -> seen.add(r.id()));
      List<PointResult> results = explorer.run(space.grid());
      assertEquals(4, results.size());
      assertEquals(4, seen.size());
      for (PointResult r : results) {
        if (r.config().get("acts").equals("none")) {
          assertEquals(PointResult.NO_HARDWARE, r.status(), "fp32 activations have no hardware chain: " + r.error());
          assertTrue(r.top1() > 0.5, r.label());
        } else {
          assertEquals(PointResult.OK, r.status(), r.label() + ": " + r.error());
          assertTrue(r.top1() > 0.5 && r.luts() > 1000 && r.imagesPerSecond() > 0 && r.energyNj() > 0 && r.latencyCycles() > 0, r.toString());
          assertEquals(Map.of("weights", "int8"), ((Map<?, ?>) r.config().get("layers")).get("/fc2/*"));
          assertTrue(r.layers().size() >= 2 && r.layers().values().stream().allMatch(l -> l.containsKey("lut")), r.layers().toString());
          assertNotNull(r.fits());
        }
      }
      assertEquals("integer", results.get(0).family());
      assertTrue(results.get(0).pipeline().contains("config=<layers>"), results.get(0).pipeline());
    }
    seen.clear();
    try (ResultsStore store = ResultsStore.open(tmp.resolve("r.db"), false);
        LocalExecutor executor = new LocalExecutor(evaluator(space, "xc7a35t"), 2, null)) {
      Explorer again = new Explorer(executor, store, "{}", (r, done, total, elapsed) -> seen.add(r.id()));
      assertEquals(4, again.run(space.grid()).size());
      assertEquals(List.of(), seen, "finished points are never recomputed");
    }
  }

  /**
   * One int8 point priced for two devices, each by its own calibrated model: both count an int8 x
   * int8 lane as a DSP (the UP5K's SB_MAC16 rule and the Xilinx DSP48 rule agree there), far beyond
   * the UP5K's 8, while the Kintex UltraScale KU040 holds the design.
   */
  @Test
  void eachDeviceIsPricedByItsOwnCostModel() {
    Space space = Space.parse("weights: int8\nacts: int8\nevaluation: {images: 10, calibration-images: 16}\nfold: {pe: 4, simd: 4}\n", "s.yaml");
    PointResult up5k = evaluator(space, "up5k").evaluate(space.grid().get(0));
    PointResult ku040 = evaluator(space, "xcku040").evaluate(space.grid().get(0));
    assertEquals(PointResult.OK, up5k.status(), up5k.error());
    assertEquals(PointResult.OK, ku040.status(), ku040.error());
    assertTrue(up5k.dsps() > 8 && !up5k.fits(), up5k.toString());
    assertEquals(up5k.dsps(), ku040.dsps());
    assertTrue(ku040.fits() && ku040.luts() > 0, ku040.toString());
    assertEquals(up5k.top1(), ku040.top1());
  }

  /**
   * MXFP4 weights over int8 data have hardware (their block scales fold into integer codes, stored
   * per beat with a shift), priced like any layer; MX activations, whose block scales are found at
   * run time, have none, and the point says why.
   */
  @Test
  void blockScaledWeightsHaveHardwareAndBlockScaledActivationsDoNot() {
    Space space = Space.parse("weights: mxfp4_e2m1\nacts: [int8, mxfp8_e4m3]\nevaluation: {images: 10, calibration-images: 16}\nfold: {pe: 4, simd: 4}\n", "s.yaml");
    PointResult weights = evaluator(space, "xc7a35t").evaluate(space.grid().get(0));
    assertEquals(PointResult.OK, weights.status(), weights.error());
    assertTrue(weights.top1() > 0.5 && weights.luts() > 1000 && weights.imagesPerSecond() > 0, weights.toString());
    PointResult acts = evaluator(space, "xc7a35t").evaluate(space.grid().get(1));
    assertEquals(PointResult.NO_HARDWARE, acts.status(), acts.toString());
    assertTrue(acts.top1() > 0.5, acts.toString());
  }

  @Test
  void aLayerPatternThatMatchesNothingFailsThePointWithTheReason() {
    Space space = Space.parse("weights: int4\nacts: int8\nlayers:\n  /nothing: {weights: int8}\nevaluation: {images: 10}\n", "s.yaml");
    PointResult r = evaluator(space, "up5k").evaluate(space.grid().get(0));
    assertEquals(PointResult.FAILED, r.status());
    assertEquals("pass 'quantize': config <layers>: layer '/nothing' matches no Conv, Gemm or MatMul layer (layers: /fc1/Gemm, /fc2/Gemm, /fc3/Gemm)", r.error());
  }
}
