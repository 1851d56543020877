// Which layers keep their weights in the UP5K's single-port RAMs, loaded at start-up, instead of block RAM.
package org.qcc.backends.rtl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.qcc.simulator.cycle.Dataflow;

/**
 * Places weights by size: given single-port RAMs (the UP5K has four of 256 Kb, 64 times a block
 * RAM, but the bitstream cannot initialize them), the largest layers go there first, each when the
 * RAMs its memories take ({@link #spramBlocks}) are still free; the rest stay in block RAM,
 * initialized by the bitstream. Layers under {@link #MIN_BITS} stay, since a few block RAMs hold
 * them and a loaded layer costs start-up bytes; so do one-line ROMs.
 */
public final class WeightPlacement {
  private WeightPlacement() {}

  /** The single-port RAMs of the iCE40 UP5K. */
  public static final int UP5K_SPRAMS = 4;

  /** The fewest weight bits that earn a layer single-port RAM: four of the UP5K's 4 Kb block RAMs. */
  static final long MIN_BITS = 4 * 4096;

  private static final int SPRAM_WIDTH = 16;
  private static final int SPRAM_LINES = 16384;

  /** {@code d} with the largest stages' weights loaded into at most {@code spram} single-port RAMs. */
  public static Dataflow place(Dataflow d, int spram) {
    List<Dataflow.Stage> stages = d.stages();
    List<Dataflow.Stage> out = new ArrayList<>(stages);
    int free = spram;
    List<Integer> bySize = IntStream.range(0, stages.size()).boxed().sorted(Comparator.comparingLong((Integer i) -> bits(stages.get(i))).reversed()).toList();
    for (int i : bySize) {
      Dataflow.Stage s = stages.get(i);
      int blocks = spramBlocks(s);
      if (s.weightLines() > 1 && bits(s) >= MIN_BITS && blocks <= free) {
        out.set(i, s.withSpramBlocks(blocks));
        free -= blocks;
      }
    }
    return new Dataflow(out);
  }

  /**
   * Why {@code d}, placed with {@code spram} single-port RAMs, loads no weights into them (null
   * when it does, or has none to use): every layer is too small for them, or the largest is too
   * wide or too deep at its folding.
   */
  public static String whyNoneLoaded(Dataflow d, int spram) {
    if (spram == 0 || d.stages().stream().anyMatch(s -> s.spramBlocks() > 0)) {
      return null;
    }
    Dataflow.Stage largest = d.stages().stream().filter(s -> s.weightLines() > 1).max(Comparator.comparingLong(WeightPlacement::bits)).orElse(null);
    if (largest == null || bits(largest) < MIN_BITS) {
      return "no layer holds " + MIN_BITS / 1024 + " Kb of weights, which block RAM keeps";
    }
    return "the largest weights, " + largest.name() + "'s, would take " + spramBlocks(largest) + " of the " + spram + " at PE " + largest.pe() + " and SIMD " + largest.simd()
        + " (" + largest.pe() + " x " + largest.weightLines() + " lines of " + largest.weightLineBits() + " bits; a RAM is 16K lines of 16 bits): fold narrower with --pe and --simd";
  }

  /** The 16K x 16-bit single-port RAMs a stage's weight memories take: per PE, enough side by side for a line and one after another for its lines. */
  static int spramBlocks(Dataflow.Stage s) {
    return (int) (s.pe() * ceilDiv(s.weightLineBits(), SPRAM_WIDTH) * ceilDiv(s.weightLines(), SPRAM_LINES));
  }

  private static long bits(Dataflow.Stage s) {
    return s.weightLines() * s.weightLineBits() * s.pe();
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}
