// Co-simulates a generated dot-product unit: code pairs in, exact sums and special flags out.
package org.qcc.testbenches;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qcc.backends.rtl.HwFormats;
import org.qcc.hw.HwGenerators;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A Verilator model of {@code DotProductUnit} for one format pair. {@link #run} streams dot
 * products (each a list of beats of {@code lanes} code pairs) through it and returns what the
 * hardware computed for each.
 */
public final class DotProductBench {
  /** What the unit reports for one dot product: the exact sum on the product grid, or a special's class. */
  public record Result(BigInteger sum, boolean nan, boolean posInf, boolean negInf) {}

  private final Verilator model;
  private final Path dir;
  private final int lanes;
  private final int accBits;

  private DotProductBench(Verilator model, Path dir, int lanes, int accBits) {
    this.model = model;
    this.dir = dir;
    this.lanes = lanes;
    this.accBits = accBits;
  }

  /** Generates the unit for codes of {@code a} times codes of {@code b} and builds it under {@code dir}. */
  public static DotProductBench build(Path dir, ScalarFormat a, ScalarFormat b, int lanes, int accBits) {
    String sv = HwGenerators.dotProductUnit(HwFormats.codes(a), HwFormats.codes(b), lanes, accBits);
    return new DotProductBench(Verilator.build(dir, "DotProductUnit", sv, harness(lanes)), dir, lanes, accBits);
  }

  /** Runs dot products given as {@code [a codes, b codes]} of equal length (padded with code 0 to whole beats). */
  public List<Result> run(List<int[][]> dotProducts) {
    StringBuilder s = new StringBuilder();
    for (int[][] d : dotProducts) {
      int n = d[0].length;
      int beats = Math.max(1, (n + lanes - 1) / lanes);
      for (int beat = 0; beat < beats; beat++) {
        s.append(beat == beats - 1 ? 1 : 0);
        for (int l = 0; l < lanes; l++) {
          int i = beat * lanes + l;
          s.append(' ').append(Integer.toHexString(i < n ? d[0][i] : 0)).append(' ').append(Integer.toHexString(i < n ? d[1][i] : 0));
        }
        s.append('\n');
      }
    }
    Path stimulus = dir.resolve("stimulus.txt");
    try {
      Files.writeString(stimulus, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Result> out = new ArrayList<>();
    for (String line : model.run(stimulus)) {
      String[] f = line.trim().split(" ");
      // Verilator may keep bits above a signal's width: only the low accBits count.
      BigInteger raw = new BigInteger(f[0], 16).and(BigInteger.ONE.shiftLeft(accBits).subtract(BigInteger.ONE));
      BigInteger sum = raw.testBit(accBits - 1) ? raw.subtract(BigInteger.ONE.shiftLeft(accBits)) : raw;
      boolean nan = f[1].equals("1");
      boolean posInf = f[2].equals("1");
      boolean negInf = f[3].equals("1");
      // Beside a special, the finite products' sum means nothing: report it as zero.
      out.add(new Result(nan || posInf || negInf ? BigInteger.ZERO : sum, nan, posInf, negInf));
    }
    if (out.size() != dotProducts.size()) {
      throw new ToolException("the simulation returned " + out.size() + " results for " + dotProducts.size() + " dot products");
    }
    return out;
  }

  /** The C++ harness: one beat per stimulus line, a result line whenever the unit's output is valid. */
  private static String harness(int lanes) {
    StringBuilder drive = new StringBuilder();
    for (int l = 0; l < lanes; l++) {
      drive.append("    if (std::fscanf(in, \"%x %x\", &a, &b) != 2) return 2;\n");
      drive.append("    dut.io_in_bits_a_").append(l).append(" = a;\n");
      drive.append("    dut.io_in_bits_b_").append(l).append(" = b;\n");
    }
    return """
        #include <cinttypes>
        #include <cstdio>
        #include "VDotProductUnit.h"
        #include "verilated.h"

        template <typename T> static void hex(T v) { std::printf("%" PRIx64, static_cast<uint64_t>(v)); }
        template <std::size_t N> static void hex(const VlWide<N>& v) {
          for (int i = N - 1; i >= 0; --i) std::printf("%08" PRIx32, static_cast<uint32_t>(v[i]));
        }

        int main(int argc, char** argv) {
          VerilatedContext ctx;
          VDotProductUnit dut{&ctx};
          std::FILE* in = std::fopen(argv[1], "r");
          if (!in) return 2;
          auto tick = [&] {
            dut.clock = 0;
            dut.eval();
            dut.clock = 1;
            dut.eval();
          };
          dut.reset = 1;
          tick();
          tick();
          dut.reset = 0;
          unsigned last, a, b;
          while (std::fscanf(in, "%x", &last) == 1) {
        DRIVE
            dut.io_in_bits_last = last;
            dut.io_in_valid = 1;
            tick();
            if (dut.io_out_valid) {
              hex(dut.io_out_bits_sum);
              std::printf(" %d %d %d\\n", dut.io_out_bits_nan, dut.io_out_bits_posInf, dut.io_out_bits_negInf);
            }
          }
          dut.final();
          return 0;
        }
        """.replace("DRIVE\n", drive);
  }
}
