// Fits the cost model's coefficients to synthesized layers and measures it on held-out ones.
package org.qcc.simulator.cost;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.qcc.ir.DiagnosticException;

/**
 * Fits one weighted sum of {@link LayerFeatures} per resource kind, with non-negative
 * coefficients, to the relative errors of the layers of three grid points in four, then measures
 * the model, and the {@link AnalyticCost} model for LUTs, on the fourth: the held-out layers.
 */
public final class CostFit {
  private CostFit() {}

  /**
   * Mean absolute percentage error over the held-out layers that have the resource: the fitted
   * model's, (LUTs only) the analytic model's, how many layers, and the fitted model's mean over
   * the four folds of the grid (each fitted without it).
   */
  public record Error(double fitted, Double analytic, int layers, double crossValidated) {}

  /** The fitted model and its error. */
  public record Result(CostModel model, int layers, int heldOut, Map<String, Error> errors) {}

  /**
   * How synthesis maps a stage onto a device: bits a LUT holds as memory; the product width from
   * which multipliers go to DSPs (0: never); how many bits a memory must hold per block RAM it
   * would take to be put there, a read-only one instead of logic, a written one instead of
   * distributed RAM (yosys weighs what each costs); and the block RAM's shapes (depth x width).
   */
  public record Traits(int lutBits, int dspMinBits, int romBitsPerBlock, int ramBitsPerBlock, List<int[]> blockShapes) {
    /** Block RAMs a {@code depth x width} memory takes in the device's best-fitting shape. */
    public double blocks(long depth, int width) {
      double best = Double.MAX_VALUE;
      for (int[] shape : blockShapes) {
        best = Math.min(best, Math.ceil(depth / (double) shape[0]) * Math.ceil(width / (double) shape[1]));
      }
      return best;
    }
  }

  /**
   * The traits of the devices the calibration knows, as yosys 0.23 maps them (read off its
   * netlists of the calibration grid). 7-series: a LUT6 holds 64 bits; synth_xilinx maps a
   * multiplier whose operands' significands have 9 bits or more together to a DSP48, a ROM to 18 Kb
   * block RAMs when it holds more than 8 Kb per block it takes, else to LUT logic, and a written
   * memory when it holds more than 2.5 Kb per block, else to distributed RAM. UltraScale has the
   * same LUT6, the same 18/36 Kb block RAM shapes and the same mapping rules in synth_xilinx
   * -family xcu (DSP48E2 for DSP48E1, RAMB18E2 for RAMB18E1). iCE40: a LUT4 holds
   * 16 bits; synth_ice40 (without -dsp) maps no multiplier, a ROM to 4 Kb block RAMs when it holds
   * more than 1 Kb per block, and a written memory when it holds more than 100 bits per block. The
   * UP5K's synth_ice40 -dsp also maps a multiplier whose product has 11 bits or more (both operands
   * at least 2) to an SB_MAC16, as yosys's mul2dsp rule for the family says.
   */
  private static final List<int[]> ICE40_BLOCKS = List.of(new int[] {256, 16}, new int[] {512, 8}, new int[] {1024, 4}, new int[] {2048, 2});

  public static Traits traits(String device) {
    return switch (device) {
      case "xc7", "xcu" -> new Traits(64, 9, 8192, 2560, List.of(new int[] {512, 36}, new int[] {1024, 18}, new int[] {2048, 9}, new int[] {4096, 4}, new int[] {8192, 2}, new int[] {16384, 1}));
      case "ice40" -> new Traits(16, 0, 1024, 100, ICE40_BLOCKS);
      case "up5k" -> new Traits(16, 11, 1024, 100, ICE40_BLOCKS);
      default -> throw new DiagnosticException(device, "the cost model is not calibrated for this device (xc7, xcu, ice40 and up5k are)");
    };
  }

  /**
   * The resource counts the model estimates, from yosys's: the same kinds, except that a 7-series
   * design's block RAMs count as one kind, {@code bram}, in 18 Kb blocks (a RAMB36 is two), since
   * which of the two shapes yosys picks for a memory is not something the model can tell; and
   * cells yosys leaves unclassified ({@code other}: constants, buffers) are not estimated.
   */
  public static Map<String, Long> observed(Map<String, Long> resources) {
    Map<String, Long> out = new TreeMap<>(resources);
    out.remove("other");
    Long b18 = out.remove("bram18");
    Long b36 = out.remove("bram36");
    if (b18 != null || b36 != null) {
      out.merge("bram", (b18 == null ? 0 : b18) + 2 * (b36 == null ? 0 : b36), Long::sum);
    }
    return out;
  }

  /** Folds of the grid: fold {@code r} holds the points whose index is {@code r} modulo 4. */
  private static final int FOLDS = 4;

  /** The fold held out of the model qcc ships. */
  private static final int HELD_OUT = 3;

  /** The kind a device's LUTs are counted as, the one the analytic model speaks for and the error target is set on. */
  public static String lutKind(String device) {
    return device.equals("xc7") || device.equals("xcu") ? "lut" : "lut4";
  }

  /**
   * Fits the model on the points outside fold 3 and measures it on fold 3, the held-out layers;
   * also fits and measures once per fold, so each kind's error comes with its 4-fold
   * cross-validated mean, which every layer takes part in.
   */
  public static Result fit(String device, List<CostSamples.Point> points) {
    Traits t = traits(device);
    List<List<CostSamples.Layer>> folds = new ArrayList<>();
    for (int r = 0; r < FOLDS; r++) {
      folds.add(new ArrayList<>());
    }
    for (CostSamples.Point p : points) {
      folds.get(p.point() % FOLDS).addAll(p.layers());
    }
    int layers = folds.stream().mapToInt(List::size).sum();
    int heldOut = folds.get(HELD_OUT).size();
    if (layers - heldOut <= LayerFeatures.NAMES.size() || folds.stream().anyMatch(List::isEmpty)) {
      throw new DiagnosticException(device, "too few calibration samples to fit the cost model: " + layers + " layers, " + heldOut + " of them held out (synthesize more grid points)");
    }
    TreeSet<String> kinds = new TreeSet<>();
    for (CostSamples.Point p : points) {
      p.layers().forEach(l -> kinds.addAll(observed(l.resources()).keySet()));
    }
    List<CostModel> foldModels = new ArrayList<>();
    for (int r = 0; r < FOLDS; r++) {
      List<CostSamples.Layer> train = new ArrayList<>();
      for (int q = 0; q < FOLDS; q++) {
        if (q != r) {
          train.addAll(folds.get(q));
        }
      }
      Map<String, Map<String, Double>> coefficients = new TreeMap<>();
      for (String kind : kinds) {
        coefficients.put(kind, fitKind(kind, train, t));
      }
      foldModels.add(new CostModel(device, "", train.size(), Map.of(), coefficients));
    }
    Map<String, Error> errors = new TreeMap<>();
    for (String kind : kinds) {
      Error held = error(kind, foldModels.get(HELD_OUT), folds.get(HELD_OUT));
      double cv = 0;
      for (int r = 0; r < FOLDS; r++) {
        cv += error(kind, foldModels.get(r), folds.get(r)).fitted() / FOLDS;
      }
      errors.put(kind, new Error(held.fitted(), held.analytic(), held.layers(), cv));
    }
    String calibration = "yosys 0.23 synthesis of " + layers + " layers of `qcc calibrate-cost --device " + device + "`, fitted on " + (layers - heldOut);
    CostModel model = new CostModel(device, calibration, layers - heldOut, errors, foldModels.get(HELD_OUT).coefficients());
    return new Result(model, layers, heldOut, errors);
  }

  /**
   * Whether a feature may explain a resource kind: DSP multipliers explain DSPs alone, since a
   * lane's LUTs are the adder tree's after it, which its own features count.
   */
  static boolean usable(String kind, String feature) {
    return !feature.equals("dsp_multipliers") || kind.equals("dsp");
  }

  /** Reweighting rounds that turn the least-squares fit of relative errors into a fit of their absolute values. */
  private static final int ROUNDS = 12;

  /**
   * The non-negative coefficients that minimize the mean absolute relative error over {@code
   * train}: least squares on relative errors, then iteratively reweighted least squares (each row
   * weighted by 1 / its last absolute relative error, floored at 1%), which converges to the
   * least absolute deviations fit that the error target measures.
   */
  private static Map<String, Double> fitKind(String kind, List<CostSamples.Layer> train, Traits t) {
    List<String> names = LayerFeatures.NAMES;
    int n = train.size();
    double[][] features = new double[n][names.size()];
    double[] target = new double[n];
    for (int i = 0; i < n; i++) {
      CostSamples.Layer l = train.get(i);
      long y = observed(l.resources()).getOrDefault(kind, 0L);
      // Relative to the count; a layer without the resource counts its estimate absolutely.
      double scale = Math.max(y, 1);
      target[i] = y / scale;
      Map<String, Double> f = LayerFeatures.of(l.stage(), t);
      for (int j = 0; j < names.size(); j++) {
        features[i][j] = usable(kind, names.get(j)) ? f.get(names.get(j)) / scale : 0;
      }
    }
    double[] rowWeight = new double[n];
    java.util.Arrays.fill(rowWeight, 1);
    double[] x = null;
    for (int round = 0; round < ROUNDS; round++) {
      double[][] a = new double[n][];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        a[i] = features[i].clone();
        for (int j = 0; j < a[i].length; j++) {
          a[i][j] *= rowWeight[i];
        }
        b[i] = target[i] * rowWeight[i];
      }
      x = Nnls.solve(a, b);
      for (int i = 0; i < n; i++) {
        double estimate = 0;
        for (int j = 0; j < x.length; j++) {
          estimate += features[i][j] * x[j];
        }
        rowWeight[i] = 1 / Math.sqrt(Math.max(Math.abs(estimate - target[i]), 0.01));
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int j = 0; j < names.size(); j++) {
      if (x[j] != 0) {
        out.put(names.get(j), x[j]);
      }
    }
    return out;
  }

  private static Error error(String kind, CostModel model, List<CostSamples.Layer> test) {
    boolean lut = kind.equals(lutKind(model.device()));
    double fitted = 0;
    double analytic = 0;
    int n = 0;
    for (CostSamples.Layer l : test) {
      long y = observed(l.resources()).getOrDefault(kind, 0L);
      if (y == 0) {
        continue;
      }
      n++;
      fitted += Math.abs(model.stage(l.stage()).get(kind) - y) / y;
      if (lut) {
        analytic += Math.abs(AnalyticCost.luts(l.stage()) - y) / y;
      }
    }
    return new Error(n == 0 ? 0 : 100 * fitted / n, lut && n > 0 ? 100 * analytic / n : null, n, 0);
  }
}
