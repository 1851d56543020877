// Co-simulates a generated threshold unit: exact sums (and special classes) in, next-layer codes out.
package org.qcc.testbenches;

import java.util.List;
import org.qcc.backends.rtl.Thresholds;
import org.qcc.hw.ChannelThresholds;
import org.qcc.hw.HwGenerators;

/** A Verilator model of {@code ThresholdUnit} for the given channels; {@link #run} maps beats of sums to codes. */
public final class ThresholdBench {
  /** One sum as the matrix-vector unit delivers it: the exact value, or a special's class. */
  public record Sum(long value, boolean nan, boolean posInf, boolean negInf) {}

  private final Verilator model;
  private final int pe;
  private final int accBits;

  private ThresholdBench(Verilator model, int pe, int accBits) {
    this.model = model;
    this.pe = pe;
    this.accBits = accBits;
  }

  /** Generates and builds the unit: {@code channels} (a multiple of {@code pe}) over {@code accBits}-bit sums, ranks to {@code codes}. */
  public static ThresholdBench build(java.nio.file.Path dir, int accBits, int outBits, int pe, List<Thresholds> channels, int[] codes) {
    if (accBits > 64) {
      throw new IllegalArgumentException("the harness drives sums of at most 64 bits, got " + accBits);
    }
    String sv = HwGenerators.thresholdUnit(accBits, outBits, pe, channels.stream().map(Thresholds::hardware).toArray(ChannelThresholds[]::new), codes);
    return new ThresholdBench(Verilator.build(dir, "ThresholdUnit", sv, harness(pe)), pe, accBits);
  }

  /** Runs beats of {@code pe} sums (channel folds in turn, from the first); returns each beat's codes. */
  public int[][] run(List<Sum[]> beats) {
    StringBuilder s = new StringBuilder();
    long mask = accBits == 64 ? -1L : (1L << accBits) - 1;
    for (Sum[] beat : beats) {
      for (Sum x : beat) {
        s.append(Long.toHexString(x.value() & mask)).append(' ').append(x.nan() ? 1 : 0).append(' ').append(x.posInf() ? 1 : 0).append(' ').append(x.negInf() ? 1 : 0).append(' ');
      }
      s.append('\n');
    }
    List<String> lines = model.run(s);
    if (lines.size() != beats.size()) {
      throw new ToolException("the simulation returned " + lines.size() + " beats for " + beats.size());
    }
    int[][] out = new int[beats.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = java.util.Arrays.stream(lines.get(i).trim().split(" ")).mapToInt(h -> Integer.parseInt(h, 16)).toArray();
    }
    return out;
  }

  /** The C++ harness: one beat of sums per stimulus line and cycle, the codes of each beat on a line as they come out. */
  private static String harness(int pe) {
    StringBuilder drive = new StringBuilder();
    StringBuilder print = new StringBuilder();
    for (int p = 0; p < pe; p++) {
      String r = "dut.io_in_bits_" + p + "_";
      if (p > 0) {
        drive.append("    if (std::fscanf(in, FORMAT, &sum, &nan, &pos, &neg) != 4) return 2;\n");
      }
      drive.append("    ").append(r).append("sum = sum;\n");
      drive.append("    ").append(r).append("nan = nan;\n");
      drive.append("    ").append(r).append("posInf = pos;\n");
      drive.append("    ").append(r).append("negInf = neg;\n");
      print.append("      std::printf(\"%x \", static_cast<unsigned>(dut.io_out_bits_").append(p).append("));\n");
    }
    return """
        INCLUDES
        #include "VThresholdUnit.h"

        #define FORMAT "%" SCNx64 " %u %u %u"

        int main(int argc, char** argv) {
        PROLOGUE
          uint64_t sum;
          unsigned nan, pos, neg;
          while (std::fscanf(in, FORMAT, &sum, &nan, &pos, &neg) == 4) {
        DRIVE
            dut.io_in_valid = 1;
            dut.io_out_ready = 1;
            half(0);
            if (dut.io_out_valid) {
        PRINT
              std::printf("\\n");
            }
            half(1);
          }
          // The registered search holds the last beat a cycle longer.
          dut.io_in_valid = 0;
          for (int i = 0; i < 4; i++) {
            half(0);
            if (dut.io_out_valid) {
        PRINT
              std::printf("\\n");
            }
            half(1);
          }
          dut.final();
          return 0;
        }
        """.replace("INCLUDES\n", Verilator.INCLUDES).replace("PROLOGUE\n", Verilator.prologue("ThresholdUnit")).replace("DRIVE\n", drive).replace("PRINT\n", print);
  }
}
