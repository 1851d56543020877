// Co-simulates a generated matrix-vector unit: input vectors streamed in, every row's result read back.
package org.qcc.testbenches;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qcc.backends.rtl.HwFormats;
import org.qcc.hw.ChainLayer;
import org.qcc.hw.HwGenerators;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A Verilator model of a {@code MatrixVectorUnit} over constant weights, or of a whole {@code
 * LayerChain} (the same ports: SIMD input codes per beat in, PE exact sums per beat out). The
 * harness streams the input vectors as fast as the unit takes them, the output side ready always or
 * (to exercise back-pressure) two cycles in three, and counts the cycles.
 */
public final class MatrixVectorBench {
  /**
   * Each vector's results, row by row; the cycles the whole run took; and the latency, the cycles
   * from the first input beat taken to the first vector's last output beat, both included.
   */
  public record Run(List<List<DotProductBench.Result>> outputs, long cycles, long latency) {}

  private final Verilator model;
  private final int rows;
  private final int pe;
  private final int simd;
  private final int accBits;
  private final byte[] load;

  private MatrixVectorBench(Verilator model, int rows, int pe, int simd, int accBits, byte[] load) {
    this.model = model;
    this.rows = rows;
    this.pe = pe;
    this.simd = simd;
    this.accBits = accBits;
    this.load = load;
  }

  /**
   * Generates and builds the unit for activations of {@code a} and the {@code weights} codes of
   * {@code b}, the weights in a ROM or, with {@code memories}, in memories loaded from files.
   */
  public static MatrixVectorBench build(Path dir, ScalarFormat a, ScalarFormat b, int[][] weights, int pe, int simd, int accBits, boolean memories) {
    String sv = HwGenerators.matrixVectorUnit(HwFormats.codes(a), HwFormats.codes(b), weights, pe, simd, accBits, memories ? dir : null);
    return new MatrixVectorBench(Verilator.build(dir, "MatrixVectorUnit", sv, harness("MatrixVectorUnit", pe, simd, false)), weights.length, pe, simd, accBits, new byte[0]);
  }

  /**
   * Generates and builds a layer chain, weights in memories (those of layers with loaded weights
   * streamed in before the first input): the first layer's SIMD codes in, the last layer's sums out.
   */
  public static MatrixVectorBench chain(Path dir, ChainLayer[] layers) {
    ChainLayer first = layers[0];
    ChainLayer last = layers[layers.length - 1];
    String sv = HwGenerators.layerChain(layers, dir);
    byte[] load = HwGenerators.loadBytes(layers);
    return new MatrixVectorBench(Verilator.build(dir, "LayerChain", sv, harness("LayerChain", last.pe(), first.simd(), load.length > 0)), last.weights().length, last.pe(), first.simd(), last.accBits(), load);
  }

  /**
   * Builds a layer chain already written to folder {@code design} as {@code sources} (top {@code
   * top}), in folder {@code build}: {@code simd} codes in per beat, {@code rows} exact sums of
   * {@code accBits} bits out, {@code pe} per beat, after the {@code load} bytes its loaded weights
   * take (none: it loads no weights); with {@code trace}, each run writes {@link
   * Verilator#TRACE_FILE} to {@code design}.
   */
  public static MatrixVectorBench design(Path design, Path build, String top, List<Path> sources, int rows, int pe, int simd, int accBits, byte[] load, boolean trace) {
    return new MatrixVectorBench(Verilator.build(design, build, top, sources, harness(top, pe, simd, load.length > 0), trace), rows, pe, simd, accBits, load);
  }

  /** Streams {@code vectors} (activation codes, a whole number of SIMD beats each) through the unit, its output ready two cycles in three. */
  public Run run(List<int[]> vectors) {
    return run(vectors, true);
  }

  /** Streams {@code vectors} through the unit, its output always ready unless {@code backPressure}. */
  public Run run(List<int[]> vectors, boolean backPressure) {
    StringBuilder s = new StringBuilder();
    if (load.length > 0) {
      s.append(load.length).append('\n');
      for (byte b : load) {
        s.append(Integer.toHexString(b & 0xff)).append('\n');
      }
    }
    for (int[] v : vectors) {
      if (v.length % simd != 0) {
        throw new IllegalArgumentException("a vector of " + v.length + " codes is not a whole number of " + simd + "-code beats");
      }
      for (int i = 0; i < v.length; i += simd) {
        for (int j = 0; j < simd; j++) {
          s.append(j == 0 ? "" : " ").append(Integer.toHexString(v[i + j]));
        }
        s.append('\n');
      }
    }
    int expected = vectors.size() * rows;
    List<String> lines = model.run(s, String.valueOf(expected / pe), String.valueOf(rows / pe), backPressure ? "1" : "0");
    List<List<DotProductBench.Result>> outputs = new ArrayList<>();
    for (int v = 0; v < vectors.size(); v++) {
      List<DotProductBench.Result> row = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        row.add(DotProductBench.Result.parse(lines.get(v * rows + r), accBits));
      }
      outputs.add(row);
    }
    return new Run(outputs, Long.parseLong(lines.get(expected + 1).split(" ")[1]), Long.parseLong(lines.get(expected).split(" ")[1]));
  }

  /** The harness reads the load stream's bytes. */
  private static final String READ_LOAD = """
        long loadCount;
        if (std::fscanf(in, "%ld", &loadCount) != 1) return 2;
        std::vector<unsigned> load(loadCount);
        for (long i = 0; i < loadCount; ++i) {
          if (std::fscanf(in, "%x", &load[i]) != 1) return 2;
        }
      """;

  /** The harness streams them in until the chain's weights are in; too few bytes or too many end the run. */
  private static final String LOAD = """
        size_t at = 0;
        while (!dut.io_loaded) {
          dut.io_load_valid = at < load.size();
          dut.io_load_bits = at < load.size() ? load[at] : 0;
          half(0);
          bool took = dut.io_load_valid && dut.io_load_ready;
          half(1);
          if (took) ++at;
          if (at == load.size() && dut.io_load_ready) {
            std::fprintf(stderr, "the chain wants more than the load stream's %zu bytes\\n", at);
            return 4;
          }
        }
        if (at != load.size()) {
          std::fprintf(stderr, "the chain took %zu of the load stream's %zu bytes\\n", at, load.size());
          return 4;
        }
        dut.io_load_valid = 0;
      """;

  /**
   * The C++ harness: input beats from the stimulus file, one per cycle while the unit is ready;
   * output beats whenever valid and ready, one result line per PE; then {@code latency N} and {@code
   * cycles N}. Arguments: the stimulus file, the output beats in all and per vector, and 1 to
   * hold the output side's ready low one cycle in three. Given {@code loads}, the file starts with
   * the count of the load stream's bytes and the bytes, which go in first, one per cycle while
   * taken; the cycles count from when the chain says its weights are in.
   */
  private static String harness(String top, int pe, int simd, boolean loads) {
    StringBuilder drive = new StringBuilder();
    for (int j = 0; j < simd; j++) {
      drive.append("      dut.io_in_bits_").append(j).append(" = beats[next][").append(j).append("];\n");
    }
    StringBuilder print = new StringBuilder();
    for (int p = 0; p < pe; p++) {
      String r = "dut.io_out_bits_" + p + "_";
      print.append("      hex(").append(r).append("sum);\n");
      print.append("      std::printf(\" %d %d %d\\n\", ").append(r).append("nan, ").append(r).append("posInf, ").append(r).append("negInf);\n");
    }
    return """
        INCLUDES
        #include "VTOP.h"

        HEX_PRINTER
        int main(int argc, char** argv) {
        PROLOGUE
          long wanted = std::atol(argv[2]);
          long perVector = std::atol(argv[3]);
          bool stall = argv[4][0] == '1';
          long started = -1;
          long latency = -1;
          std::vector<std::vector<unsigned>> beats;
          unsigned code;
        READ_LOAD
          while (std::fscanf(in, "%x", &code) == 1) {
            std::vector<unsigned> beat{code};
            for (int j = 1; j < SIMD; ++j) {
              if (std::fscanf(in, "%x", &code) != 1) return 2;
              beat.push_back(code);
            }
            beats.push_back(beat);
          }
        LOAD_STREAM
          size_t next = 0;
          long seen = 0;
          long cycle = 0;
          long progress = 0;
          while (seen < wanted) {
            if (cycle - progress > 1000000L) {
              std::fprintf(stderr, "%ld of %ld output beats after %ld cycles\\n", seen, wanted, cycle);
              return 3;
            }
            dut.io_in_valid = next < beats.size();
            if (next < beats.size()) {
        DRIVE
            }
            dut.io_out_ready = !stall || cycle % 3 != 2;
            half(0);
            bool taken = dut.io_in_valid && dut.io_in_ready;
            if (dut.io_out_valid && dut.io_out_ready) {
        PRINT
              if (++seen == perVector) latency = cycle - started + 1;
              progress = cycle;
            }
            half(1);
            if (taken && started < 0) started = cycle;
            if (taken) ++next;
            ++cycle;
          }
          std::printf("latency %ld\\ncycles %ld\\n", latency, cycle);
          dut.final();
          return 0;
        }
        """.replace("INCLUDES\n", Verilator.INCLUDES).replace("PROLOGUE\n", Verilator.prologue(top)).replace("VTOP", "V" + top).replace("HEX_PRINTER\n", DotProductBench.HEX_PRINTER).replace("SIMD", String.valueOf(simd)).replace("DRIVE\n", drive).replace("PRINT\n", print)
        .replace("LOAD_STREAM\n", loads ? LOAD : "").replace("READ_LOAD\n", loads ? READ_LOAD : "");
  }
}
