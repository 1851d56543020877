// Energy per inference of a generated accelerator: an estimate from operation and memory-access counts.
package org.qcc.simulator.cost;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.formats.BipolarFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.simulator.cycle.Dataflow;

/**
 * An estimate of the energy one image takes in a {@link Dataflow}, not a measurement: the
 * operations and memory accesses the schedule performs per image, each priced with the 45 nm
 * figures of {@link #SOURCE}. Multipliers scale with the product of their operands' significand
 * widths from the 8 x 8-bit figure (a minifloat's significand has its hidden bit; its exponents add
 * too), adders and comparators with their width from the 32-bit figure, and every bit read from or
 * written to an on-chip memory (weights, input buffers, window rows) costs the 8 KB SRAM's figure
 * per 64 bits. Every product is added at the accumulator's width. A layer that requantizes
 * through thresholds compares each output once per bit of its next codes; one with a float path
 * also pays an fp32 multiply-add per output, an fp32 add per residual value and two per global-pool
 * value (fp64). The last layer's sums leave the chain, so its outputs cost nothing here. An FPGA's
 * energy differs (routing, LUTs instead of gates), but the ratios between formats and foldings are
 * what the estimate is for.
 */
public final class EnergyModel {
  private EnergyModel() {}

  /** Where the figures come from. */
  public static final String SOURCE = "M. Horowitz, \"Computing's energy problem (and what we can do about it)\", ISSCC 2014: 45 nm, 0.9 V";

  /** pJ of a 32-bit integer add. */
  static final double ADD_32 = 0.1;
  /** pJ of an 8 x 8-bit integer multiply. */
  static final double MULTIPLY_8 = 0.2;
  /** pJ of an fp32 multiply and of an fp32 add. */
  static final double FP32_MULTIPLY = 3.7;
  static final double FP32_ADD = 0.9;
  /** pJ of a 64-bit access to an 8 KB SRAM. */
  static final double SRAM_64 = 10.0;

  /** One stage's energy per image, in pJ, by what spends it. */
  public record StageEnergy(String name, double multiply, double accumulate, double weights, double buffers, double requantize) {
    public double total() {
      return multiply + accumulate + weights + buffers + requantize;
    }
  }

  /** The estimate per image: each stage's, and where the figures come from. */
  public record Estimate(List<StageEnergy> stages, String source) {
    /** pJ per image. */
    public double total() {
      return stages.stream().mapToDouble(StageEnergy::total).sum();
    }

    /** pJ per image by what spends it, over all stages: multiply, accumulate, weights, buffers, requantize. */
    public Map<String, Double> byPart() {
      Map<String, Double> parts = new LinkedHashMap<>();
      parts.put("multiply", stages.stream().mapToDouble(StageEnergy::multiply).sum());
      parts.put("accumulate", stages.stream().mapToDouble(StageEnergy::accumulate).sum());
      parts.put("weights", stages.stream().mapToDouble(StageEnergy::weights).sum());
      parts.put("buffers", stages.stream().mapToDouble(StageEnergy::buffers).sum());
      parts.put("requantize", stages.stream().mapToDouble(StageEnergy::requantize).sum());
      return parts;
    }
  }

  /** The estimate for one image through {@code d}, whose stages must say what they compute with. */
  public static Estimate perImage(Dataflow d) {
    List<StageEnergy> stages = new ArrayList<>();
    for (Dataflow.Stage s : d.stages()) {
      stages.add(stage(s));
    }
    return new Estimate(stages, SOURCE);
  }

  private static StageEnergy stage(Dataflow.Stage s) {
    Dataflow.Arithmetic a = s.requireArithmetic();
    ScalarFormat data = ElementFormats.scalar(a.dataFormat());
    ScalarFormat weight = ElementFormats.scalar(a.weightFormat());
    double steps = s.cyclesPerImage();
    double products = steps * s.pe() * s.lanes();
    double multiply = products * multiply(data, weight);
    double accumulate = products * add(a.accumulatorBits());

    int positionBits = a.sparse() ? Math.max(1, 32 - Integer.numberOfLeadingZeros(a.groupM() - 1)) : 0;
    double weightBits = products * (weight.bits() + positionBits);
    // The input buffers take each input once and the folds read it back once per neuron fold; a
    // convolution's window ring takes each pixel once and its windows read them.
    double bufferBits = (double) s.inputBeats() * s.simd() * data.bits() + steps * s.simd() * data.bits();
    if (s.window() != null) {
      bufferBits += (double) s.vectors() * s.cols() * data.bits();
    }

    double outputs = (double) s.vectors() * s.rows();
    double requantize = outputs * a.outputBits() * add(a.accumulatorBits() + 2);
    if (s.floatPath()) {
      requantize += outputs * (FP32_MULTIPLY + FP32_ADD);
      if (s.residualFrom() >= 0) {
        requantize += outputs * FP32_ADD;
      }
      if (s.globalPixels() > 0) {
        requantize += outputs * 2 * FP32_ADD;
      }
    }
    return new StageEnergy(s.name(), multiply, accumulate, memory(weightBits), memory(bufferBits), requantize);
  }

  /** pJ of one product of the two formats. */
  static double multiply(ScalarFormat a, ScalarFormat b) {
    double significands = MULTIPLY_8 * significandBits(a) * significandBits(b) / 64;
    boolean exponents = a instanceof Minifloat || b instanceof Minifloat;
    return significands + (exponents ? add(Math.max(exponentBits(a), exponentBits(b)) + 1) : 0);
  }

  /** pJ of a {@code bits}-wide add or comparison. */
  static double add(int bits) {
    return ADD_32 * bits / 32;
  }

  private static double memory(double bits) {
    return SRAM_64 * bits / 64;
  }

  /** The multiplier's width for a format: an integer's bits, a minifloat's mantissa and hidden bit, a bipolar value's one (an XNOR). */
  private static int significandBits(ScalarFormat f) {
    if (f instanceof Minifloat m) {
      return m.manBits() + 1;
    }
    if (f instanceof BipolarFormat) {
      return 1;
    }
    return f.bits();
  }

  private static int exponentBits(ScalarFormat f) {
    return f instanceof Minifloat m ? m.expBits() : 0;
  }
}
