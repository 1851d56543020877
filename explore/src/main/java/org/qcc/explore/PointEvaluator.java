// Scores one point: passes, top-1 on the golden interpreter, then the hardware chain's estimates.
package org.qcc.explore;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.qcc.backends.BackendException;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.cost.CostModel;
import org.qcc.simulator.cost.EnergyModel;
import org.qcc.simulator.cycle.CycleSimulator;
import org.qcc.simulator.cycle.Dataflow;

/**
 * Accuracy comes from the quantized graph on the golden interpreter. Resources come from the
 * device's calibrated cost model, and speed from the cycle-level simulator, both on the dataflow
 * the RTL backend would build with the point's folding; energy from the schedule's operation and
 * memory-access counts. Safe to call from several threads: each point loads its own graph.
 */
public final class PointEvaluator {
  /** Images streamed through the cycle-level model: enough for the steady state's spacing. */
  static final int SIMULATED_IMAGES = 4;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Stands in stored pipelines for the temporary per-layer config file, whose name means nothing later. */
  private static final String LAYERS = "<layers>";

  private final Supplier<Graph> model;
  private final Space space;
  private final Device device;
  private final CostModel cost;
  private final FashionMnist test;
  private final CalibrationData calibration;

  public PointEvaluator(Supplier<Graph> model, Space space, Device device, FashionMnist test, CalibrationData calibration) {
    this.model = model;
    this.space = space;
    this.device = device;
    this.cost = CostModel.shipped(device.costModel());
    this.test = test;
    this.calibration = calibration;
  }

  /** Everything besides the point's choices that shapes its results; part of each point's id. */
  public String context() {
    return "device=" + device.name() + " granularity=" + space.granularity() + " group-size=" + space.groupSize() + " evaluation=" + space.evaluation() + " clock-mhz=" + space.clockMhz() + " cost=" + cost.calibration();
  }

  public PointResult evaluate(Point p) {
    long start = System.nanoTime();
    String id = p.id(context());
    String pipeline = p.pipeline(space, p.quantizeLayers().isEmpty() ? null : LAYERS);
    try {
      Graph g = quantized(p);
      TopOne.Result accuracy = TopOne.evaluate(g, test, space.evaluation().images(), 100, null);
      return hardware(id, p, pipeline, g, accuracy, start);
    } catch (DiagnosticException | IllegalArgumentException | IllegalStateException e) {
      return new PointResult(id, p.describe(), p.label(), p.family(), pipeline, PointResult.FAILED, e.getMessage(), null, 0, null, null, null, null, null, null, null, null, null, null, seconds(start), Map.of());
    }
  }

  /**
   * A fresh copy of the model under {@code p}'s passes. Per-layer formats go to quantize through a
   * temporary config file, which errors call {@value #LAYERS}.
   */
  public Graph quantized(Point p) {
    Path config = null;
    try {
      if (!p.quantizeLayers().isEmpty()) {
        config = Files.createTempFile("qcc-explore-", ".json");
        JSON.writeValue(config.toFile(), Map.of("layers", p.quantizeLayers()));
      }
      Graph g = model.get();
      PassManager.build(PassRegistry.standard(), p.pipeline(space, config == null ? null : config.toString())).run(g, calibration);
      return g;
    } catch (DiagnosticException | IllegalArgumentException e) {
      if (config == null) {
        throw e;
      }
      throw new IllegalArgumentException(e.getMessage().replace(config.toString(), LAYERS), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (config != null) {
        config.toFile().delete();
      }
    }
  }


  private PointResult hardware(String id, Point p, String pipeline, Graph g, TopOne.Result accuracy, long start) {
    Dataflow d;
    try {
      d = ChainPlan.of(g, p.pe(), p.simd(), 0, device.sprams()).dataflow();
    } catch (BackendException e) {
      return new PointResult(id, p.describe(), p.label(), p.family(), pipeline, PointResult.NO_HARDWARE, e.getMessage(), accuracy.top1(), accuracy.total(), null, null, null, null, null, null, null, null, null, null, seconds(start), Map.of());
    }
    CycleSimulator.Run run = CycleSimulator.run(d, SIMULATED_IMAGES, false);
    CostModel.Estimate estimate = cost.estimate(d);
    Map<String, Map<String, Long>> layers = new LinkedHashMap<>();
    estimate.stages().forEach(s -> layers.put(s.name(), s.resources()));
    Map<String, Long> total = estimate.total();
    String over = device.overBudget(total);
    return new PointResult(
        id, p.describe(), p.label(), p.family(), pipeline, PointResult.OK, over == null ? null : "over budget: " + over,
        accuracy.top1(), accuracy.total(),
        device.luts(total), total.getOrDefault("ff", 0L), total.getOrDefault("dsp", 0L), total.getOrDefault("bram", 0L),
        run.cyclesPerImage(), run.latency(), run.imagesPerSecond(space.clockMhz()), EnergyModel.perImage(d).total() / 1e3,
        over == null, run.bottleneck().name(), seconds(start), layers);
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
