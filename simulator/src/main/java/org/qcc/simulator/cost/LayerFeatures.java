// What a layer's hardware is made of, counted from its stage: the cost model's features.
package org.qcc.simulator.cost;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.simulator.cycle.Dataflow;

/**
 * Counts of the parts one stage's hardware (hw-models' matrix-vector unit, dot-product units,
 * threshold unit, sliding window and pool) holds, each in a unit its resource cost grows in, so a
 * resource count is a weighted sum of them ({@link CostModel}). Multipliers count partial-product
 * bits unless the device puts them in DSPs; a weight read from a ROM no deeper than a LUT's words
 * is a function of the ROM's few address bits, which logic synthesis folds into a LUT multiplier,
 * so those count by the address bits instead. A minifloat product's alignment shifter counts
 * product bits times shift levels (and a block-scaled weight's beat shift, accumulator bits times
 * shift levels per PE), its decoders exponent times significand bits; adder trees,
 * accumulators and registers count bits, a tree after DSPs apart, since DSPs take in adders.
 * Memories go where synthesis puts them ({@link CostFit.Traits}): a read-only weight memory into
 * block RAM when deep enough, else into LUT logic (one LUT per bit for a LUT's words, a tree of
 * them deeper, counted apart since it costs more per word); a buffer into block RAM when large
 * enough, else distributed RAM; the window ring, read asynchronously, into distributed RAM
 * or, where the device has none, flip-flops. The threshold search's tables are constants indexed
 * by fold and search prefix, ROMs in LUTs, shallow and deep apart like the weights.
 */
public final class LayerFeatures {
  private LayerFeatures() {}

  /** The feature names, in the order the model lists its coefficients. */
  public static final List<String> NAMES = List.of(
      "layer", "multiplier_bits", "addressed_multiplier_bits", "shifter_bits", "tree_bits", "dsp_tree_bits", "float_decode_bits", "accumulator_bits", "dsp_multipliers",
      "rom_lut_bits", "deep_rom_lut_bits", "memory_blocks", "distributed_lut_bits", "ring_bits", "weight_register_bits", "sparse_select_bits",
      "threshold_channel_bits", "threshold_compare_bits", "threshold_table_bits", "deep_threshold_table_bits", "pool_bits", "counter_bits");

  /** The features of stage {@code s} on a device with traits {@code t}. */
  public static Map<String, Double> of(Dataflow.Stage s, CostFit.Traits t) {
    Dataflow.Arithmetic a = s.requireArithmetic();
    Operand data = Operand.of(a.dataFormat());
    Operand weight = Operand.of(a.weightFormat());
    double pe = s.pe();
    double products = pe * s.lanes();
    int productBits = Operand.productBits(data, weight);
    boolean dsp = t.dspMinBits() > 0 && data.significandBits() > 1 && weight.significandBits() > 1
        && data.significandBits() + weight.significandBits() >= t.dspMinBits();

    Memories m = new Memories(t, dsp);
    long depth = s.weightLines();
    int lineBits = s.weightLineBits();
    // One or two weight lines are constants or one address bit (and its inverse) per weight bit:
    // no memory, no register of their own. Weights loaded into single-port RAMs take none of the
    // block RAMs (the model counts those RAMs exactly) and, like a block RAM, register their output.
    boolean weightMemory = depth > 2;
    if (s.spramBlocks() > 0) {
      m.weightsInBlocks = true;
    } else if (weightMemory) {
      m.weightsInBlocks = m.add(s.pe(), depth, lineBits, true);
    }
    m.add(1, 2L * (s.cols() / s.simd()), s.simd() * data.bits(), false);
    Dataflow.Window w = s.window();
    double ring = w == null ? 0 : (double) w.ringRows() * w.width() * w.channels() * data.bits();

    Map<String, Double> f = new LinkedHashMap<>();
    f.put("layer", 1.0);
    // A weight read from a shallow ROM is a function of the ROM's few address bits, so logic
    // synthesis folds the ROM into a LUT multiplier, which then costs by those bits, not the weight's.
    double addressBits = Math.min(weight.significandBits() - 1, Math.max(1, log2(depth)));
    f.put("addressed_multiplier_bits", dsp || depth > t.lutBits() ? 0 : products * (data.significandBits() - 1) * addressBits);
    f.put("multiplier_bits", dsp || depth <= t.lutBits() ? 0 : products * (data.significandBits() - 1) * (weight.significandBits() - 1));
    // A beat shift (block-scaled weights) moves each PE's beat sum into its accumulator.
    f.put("shifter_bits", products * productBits * (data.shiftBits() + weight.shiftBits()) + pe * a.accumulatorBits() * a.beatShiftBits());
    f.put("tree_bits", dsp ? 0 : products * productBits);
    f.put("dsp_tree_bits", dsp && weightMemory ? products * productBits : 0);
    f.put("float_decode_bits", products * (data.exponentBits() * data.significandBits() + weight.exponentBits() * weight.significandBits()));
    f.put("accumulator_bits", pe * a.accumulatorBits());
    f.put("dsp_multipliers", dsp ? products : 0);
    f.put("rom_lut_bits", m.romLutBits);
    f.put("deep_rom_lut_bits", m.deepRomLutBits);
    f.put("memory_blocks", m.blocks);
    f.put("distributed_lut_bits", m.distributedLutBits);
    f.put("ring_bits", ring);
    // A block RAM registers its own output; a ROM in logic needs flip-flops for it.
    f.put("weight_register_bits", (weightMemory && !m.weightsInBlocks ? pe * lineBits : 0) + 2.0 * s.simd() * data.bits());
    f.put("sparse_select_bits", a.sparse() ? products * a.groupM() * data.bits() : 0);
    boolean thresholds = !s.last();
    int levels = a.outputBits();
    int width = a.accumulatorBits() + 1;
    double table = 0;
    double deepTable = 0;
    for (int j = 0; thresholds && j < levels; j++) {
      double words = Math.ceil((double) (s.rows() / s.pe()) * (1 << j) / t.lutBits());
      if (words <= 1) {
        table += pe * width;
      } else {
        deepTable += pe * width * words;
      }
    }
    // A minifloat's thresholds also order negative values (a sign flip) and rank specials.
    f.put("threshold_channel_bits", thresholds ? pe * width * (data.floating() ? 2 : 1) : 0);
    f.put("threshold_compare_bits", thresholds ? pe * levels * width : 0);
    f.put("threshold_table_bits", table);
    f.put("deep_threshold_table_bits", deepTable);
    f.put("pool_bits", s.pool() == null ? 0 : pe * Math.max(1, levels) * (1 + s.pool().outW()));
    f.put("counter_bits", log2(depth) + log2(s.cols()) + log2(s.rows()) + (w == null ? 0 : log2(w.height()) + log2(w.width()) + log2(w.channels())));
    return f;
  }

  /** Where a stage's memories go, summed: LUT bits of shallow and deep ROM logic, block RAMs, LUT bits of distributed RAM. */
  private static final class Memories {
    private final CostFit.Traits t;
    private final boolean dspLanes;
    double romLutBits;
    double deepRomLutBits;
    double blocks;
    double distributedLutBits;
    boolean weightsInBlocks;

    Memories(CostFit.Traits t, boolean dspLanes) {
      this.t = t;
      this.dspLanes = dspLanes;
    }

    /** {@code count} memories of {@code depth} words of {@code width} bits, {@code rom} when nothing writes them; whether they go to block RAM. */
    boolean add(int count, long depth, int width, boolean rom) {
      double lutWords = Math.ceil(depth / (double) t.lutBits());
      boolean inBlocks = depth * width > (double) (rom ? t.romBitsPerBlock() : t.ramBitsPerBlock()) * t.blocks(depth, width);
      if (rom && !inBlocks) {
        // A shallow ROM feeding LUT multipliers is folded into them (addressed_multiplier_bits).
        if (lutWords <= 1) {
          romLutBits += dspLanes ? count * width : 0;
        } else {
          deepRomLutBits += count * width * lutWords;
        }
      } else if (inBlocks) {
        blocks += count * t.blocks(depth, width);
      } else {
        distributedLutBits += count * width * lutWords;
      }
      return inBlocks;
    }
  }

  private static double log2(double x) {
    return x <= 1 ? 0 : Math.ceil(Math.log(x) / Math.log(2));
  }
}
