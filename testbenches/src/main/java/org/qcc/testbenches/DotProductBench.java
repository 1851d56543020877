// Co-simulates a generated dot-product unit: code pairs in, exact sums and special flags out.
package org.qcc.testbenches;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qcc.backends.rtl.HwFormats;
import org.qcc.hw.BlockDotProductUnit;
import org.qcc.hw.BlockScale;
import org.qcc.hw.CodeFormat;
import org.qcc.hw.HwGenerators;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A Verilator model of a generated dot-product unit ({@code DotProductUnit}, the N:M sparse
 * {@code SparseDotProductUnit}, or the block-scaled {@code BlockDotProductUnit}). {@link #run} streams dot products (each a list of beats, one code
 * per input port) through it and returns what the hardware computed for each.
 */
public final class DotProductBench {
  /** What the unit reports for one dot product: the exact sum on the product grid, or a special's class. */
  public record Result(BigInteger sum, boolean nan, boolean posInf, boolean negInf) {
    /** The sum rounded to fp32 as the golden model rounds it (nearest-even), or the special's value. */
    public float rounded() {
      return nan ? Float.NaN : posInf ? Float.POSITIVE_INFINITY : negInf ? Float.NEGATIVE_INFINITY : (float) sum.longValueExact();
    }

    /** A harness's result line, {@code SUMHEX NAN POSINF NEGINF}, for an {@code accBits}-bit accumulator. */
    static Result parse(String line, int accBits) {
      String[] f = line.trim().split(" ");
      // Verilator may keep bits above a signal's width: only the low accBits count.
      BigInteger raw = new BigInteger(f[0], 16).and(BigInteger.ONE.shiftLeft(accBits).subtract(BigInteger.ONE));
      BigInteger sum = raw.testBit(accBits - 1) ? raw.subtract(BigInteger.ONE.shiftLeft(accBits)) : raw;
      boolean nan = f[1].equals("1");
      boolean posInf = f[2].equals("1");
      boolean negInf = f[3].equals("1");
      // Beside a special, the finite products' sum means nothing: report it as zero.
      return new Result(nan || posInf || negInf ? BigInteger.ZERO : sum, nan, posInf, negInf);
    }
  }

  /** C++ that prints a Verilator signal of any width in hex: integers up to 64 bits, VlWide above. */
  static final String HEX_PRINTER =
      """
      template <typename T> static void hex(T v) { std::printf("%" PRIx64, static_cast<uint64_t>(v)); }
      template <std::size_t N> static void hex(const VlWide<N>& v) {
        for (int i = N - 1; i >= 0; --i) std::printf("%08" PRIx32, static_cast<uint32_t>(v[i]));
      }
      """;

  private final Verilator model;
  private final int ports;
  private final int accBits;

  private DotProductBench(Path dir, String top, String systemVerilog, List<String> ports, int accBits) {
    this.model = Verilator.build(dir, top, systemVerilog, harness(top, ports));
    this.ports = ports.size();
    this.accBits = accBits;
  }

  /** A dense unit for codes of {@code a} times codes of {@code b}, {@code lanes} pairs per beat; its ports are a_0, b_0, a_1, b_1, ... */
  public static DotProductBench dense(Path dir, ScalarFormat a, ScalarFormat b, int lanes, int accBits) {
    List<String> ports = new ArrayList<>();
    for (int l = 0; l < lanes; l++) {
      ports.addAll(List.of("a_" + l, "b_" + l));
    }
    return new DotProductBench(dir, "DotProductUnit", HwGenerators.dotProductUnit(HwFormats.codes(a), HwFormats.codes(b), lanes, accBits), ports, accBits);
  }

  /**
   * A block unit ({@code BlockDotProductUnit}, BFP and MX): per beat one block of {@code block}
   * code pairs and a scale code per operand, for dot products of up to {@code blocks} blocks; its
   * ports are a_0, b_0, a_1, b_1, ..., scaleA, scaleB.
   */
  public static DotProductBench block(Path dir, ScalarFormat a, ScalarFormat b, int block, BlockScale scale, int blocks) {
    List<String> ports = new ArrayList<>();
    for (int l = 0; l < block; l++) {
      ports.addAll(List.of("a_" + l, "b_" + l));
    }
    ports.addAll(List.of("scaleA", "scaleB"));
    CodeFormat ca = HwFormats.codes(a);
    CodeFormat cb = HwFormats.codes(b);
    String sv = HwGenerators.blockDotProductUnit(ca, cb, block, scale, blocks);
    return new DotProductBench(dir, "BlockDotProductUnit", sv, ports, BlockDotProductUnit.accumulatorBits(ca, cb, block, scale, blocks));
  }

  /**
   * An N:M sparse unit over constant weights ({@code weights[beat]}, {@code indices[beat]}: {@code n}
   * per group); its ports are the {@code groups * m} activations of a beat, x_0, x_1, ...
   */
  public static DotProductBench sparse(Path dir, ScalarFormat a, ScalarFormat b, int n, int m, int groups, int[][] weights, int[][] indices, int accBits) {
    List<String> ports = new ArrayList<>();
    for (int i = 0; i < groups * m; i++) {
      ports.add("x_" + i);
    }
    String sv = HwGenerators.sparseDotProductUnit(HwFormats.codes(a), HwFormats.codes(b), n, m, groups, weights, indices, accBits);
    return new DotProductBench(dir, "SparseDotProductUnit", sv, ports, accBits);
  }

  /** Dot products given as {@code [a codes, b codes]} as beats of a dense unit's ports, padded with code 0. */
  public static List<List<int[]>> pairBeats(List<int[][]> dotProducts, int lanes) {
    List<List<int[]>> out = new ArrayList<>();
    for (int[][] d : dotProducts) {
      int n = d[0].length;
      List<int[]> beats = new ArrayList<>();
      for (int first = 0; first < Math.max(1, n); first += lanes) {
        int[] beat = new int[2 * lanes];
        for (int l = 0; l < lanes && first + l < n; l++) {
          beat[2 * l] = d[0][first + l];
          beat[2 * l + 1] = d[1][first + l];
        }
        beats.add(beat);
      }
      out.add(beats);
    }
    return out;
  }

  /** Runs dot products, each a list of beats holding one code per port. */
  public List<Result> run(List<List<int[]>> dotProducts) {
    StringBuilder s = new StringBuilder();
    for (List<int[]> beats : dotProducts) {
      for (int i = 0; i < beats.size(); i++) {
        int[] beat = beats.get(i);
        if (beat.length != ports) {
          throw new IllegalArgumentException("a beat holds " + ports + " codes, got " + beat.length);
        }
        s.append(i == beats.size() - 1 ? 1 : 0);
        for (int code : beat) {
          s.append(' ').append(Integer.toHexString(code));
        }
        s.append('\n');
      }
    }
    List<Result> out = new ArrayList<>();
    for (String line : model.run(s)) {
      out.add(Result.parse(line, accBits));
    }
    if (out.size() != dotProducts.size()) {
      throw new ToolException("the simulation returned " + out.size() + " results for " + dotProducts.size() + " dot products");
    }
    return out;
  }

  /** The C++ harness: one beat per stimulus line, a result line whenever the unit's output is valid. */
  private static String harness(String top, List<String> ports) {
    StringBuilder drive = new StringBuilder();
    for (String port : ports) {
      drive.append("    if (std::fscanf(in, \"%x\", &code) != 1) return 2;\n");
      drive.append("    dut.io_in_bits_").append(port).append(" = code;\n");
    }
    return """
        INCLUDES
        #include "VTOP.h"

        HEX_PRINTER

        int main(int argc, char** argv) {
        PROLOGUE
          unsigned last, code;
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
        """.replace("VTOP", "V" + top).replace("INCLUDES\n", Verilator.INCLUDES).replace("PROLOGUE\n", Verilator.prologue(top)).replace("HEX_PRINTER\n", HEX_PRINTER).replace("DRIVE\n", drive);
  }
}
