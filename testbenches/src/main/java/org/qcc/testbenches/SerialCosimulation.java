// qcc sim --verilator --serial: the board's top level in Verilator, images in and classes out over its serial lines.
package org.qcc.testbenches;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.qcc.backends.rtl.IceBreaker;
import org.qcc.backends.rtl.Manifest;

/**
 * Co-simulates the iCEBreaker top level of a design folder as the board runs it: the harness drives
 * the 12 MHz clock and the RX line with each test image's input codes, one 8N1 byte each at the
 * design's baud rate, decodes the byte that comes back on TX, and sends the next image only then,
 * as a host would (first the weights the design loads at start-up, if any). Each class is checked
 * against the golden interpreter's outputs.
 */
public final class SerialCosimulation {
  private SerialCosimulation() {}

  /** An image whose class differs from the golden model's (or came with bit 7, the overrun flag, set). */
  public record Mismatch(int image, int expected, int actual) {}

  /** The outcome: images, mismatches and the first few of them, clock cycles per image over the line, and the seconds Verilator took to build and run. */
  public record Report(String name, int images, int baud, int mismatchCount, List<Mismatch> firstMismatches, double cyclesPerImage, double buildSeconds, double simSeconds) {
    public boolean exact() {
      return mismatchCount == 0;
    }
  }

  /** Runs the first {@code images} test images (0: all) of design folder {@code dir}; {@code progress} hears when the build starts. */
  public static Report run(Path dir, int images, Consumer<String> progress) {
    ChainCosimulation.Design d = ChainCosimulation.load(dir, images);
    Manifest.Board board = d.manifest().serialClassifier(dir);
    int divider = IceBreaker.divider(board.baud());
    progress.accept("building the Verilator model of " + dir + "'s board top level");
    long start = System.nanoTime();
    List<Path> sources = new ArrayList<>(d.manifest().sources().stream().map(dir::resolve).toList());
    sources.add(dir.resolve(board.source()));
    Verilator model = Verilator.build(dir, dir.resolve("sim-serial"), board.top(), sources, harness(board.top()), false);
    double built = (System.nanoTime() - start) / 1e9;

    byte[] load = d.manifest().loadBytes(dir);
    StringBuilder stimulus = new StringBuilder().append(divider).append(' ').append(d.codes().size()).append(' ').append(d.codes().get(0).length).append(' ').append(load.length).append('\n');
    for (byte b : load) {
      stimulus.append(b & 0xff).append(' ');
    }
    stimulus.append('\n');
    for (int[] codes : d.codes()) {
      for (int c : codes) {
        stimulus.append(c).append(' ');
      }
      stimulus.append('\n');
    }
    start = System.nanoTime();
    List<String> lines = model.run(stimulus);
    double simulated = (System.nanoTime() - start) / 1e9;
    if (lines.size() != d.codes().size() + 1) {
      throw new ToolException("the serial harness answered " + (lines.size() - 1) + " of " + d.codes().size() + " images");
    }

    int outputs = d.manifest().vectors().outputs();
    int mismatches = 0;
    List<Mismatch> kept = new ArrayList<>();
    for (int i = 0; i < d.codes().size(); i++) {
      int want = argmax(d.expected(), i * outputs, outputs);
      int got = Integer.parseInt(lines.get(i).trim());
      if (got != want && mismatches++ < 10) {
        kept.add(new Mismatch(i, want, got));
      }
    }
    long cycles = Long.parseLong(lines.get(lines.size() - 1).trim());
    return new Report(d.manifest().name(), d.codes().size(), board.baud(), mismatches, kept, cycles / (double) d.codes().size(), built, simulated);
  }

  /**
   * The classifier's answer for {@code n} outputs from {@code from}: the first greatest in {@link
   * Float#compare}'s order with NaN left out, 127 when every output is NaN.
   */
  static int argmax(float[] outputs, int from, int n) {
    int best = 127;
    for (int c = 0; c < n; c++) {
      float v = outputs[from + c];
      if (!Float.isNaN(v) && (best == 127 || Float.compare(v, outputs[from + best]) > 0)) {
        best = c;
      }
    }
    return best;
  }

  /**
   * The harness: reads the divider, the image count, codes per image and the bytes of weights the
   * design loads, then those bytes and each image's codes; sends the weights as 8N1 bytes on RX,
   * then each image's codes, waits for the answer byte on TX (decoded at mid-bit), prints it, and
   * at the end prints the cycles the images took. An answer that never comes ends the run.
   */
  private static String harness(String top) {
    return Verilator.INCLUDES + """
        #include "VTOP.h"
        int main(int argc, char** argv) {
          VerilatedContext ctx;
          VTOP dut{&ctx};
          std::FILE* in = std::fopen(argv[1], "r");
          if (!in) return 2;
          int divider, images, codes;
          long loads;
          if (std::fscanf(in, "%d %d %d %ld", &divider, &images, &codes, &loads) != 4) return 2;
          uint64_t cycle = 0;
          int rxPhase = -1, rxBits = 0, rxByte = 0;
          long rxCountdown = 0;
          int answer = -1;
          // One clock cycle, then the TX decoder: a falling edge starts a byte, each bit is read in its middle.
          auto tick = [&] {
            dut.CLK = 0;
            dut.eval();
            dut.CLK = 1;
            dut.eval();
            cycle++;
            if (rxPhase < 0) {
              if (!dut.TX) {
                rxPhase = 0;
                rxCountdown = divider / 2;
              }
            } else if (--rxCountdown == 0) {
              rxCountdown = divider;
              if (rxPhase >= 1 && rxPhase <= 8) rxByte |= (dut.TX & 1) << (rxPhase - 1);
              if (rxPhase == 9) {
                if (dut.TX) answer = rxByte;
                rxPhase = -1;
                rxByte = 0;
                return;
              }
              rxPhase++;
            }
          };
          auto send = [&](int byte) {
            int frame = (byte << 1) | (1 << 9);
            for (int bit = 0; bit < 10; bit++) {
              dut.RX = (frame >> bit) & 1;
              for (int i = 0; i < divider; i++) tick();
            }
          };
          dut.RX = 1;
          for (int i = 0; i < 32; i++) tick();
          for (long k = 0; k < loads; k++) {
            int byte;
            if (std::fscanf(in, "%d", &byte) != 1) return 2;
            send(byte);
          }
          cycle = 0;
          for (int image = 0; image < images; image++) {
            answer = -1;
            for (int k = 0; k < codes; k++) {
              int code;
              if (std::fscanf(in, "%d", &code) != 1) return 2;
              send(code);
            }
            for (uint64_t waited = 0; answer < 0; waited++) {
              if (waited > 200000000ull) {
                std::fprintf(stderr, "no answer for image %d\\n", image);
                return 3;
              }
              tick();
            }
            std::printf("%d\\n", answer);
          }
          std::printf("%" PRIu64 "\\n", cycle);
          dut.final();
          return 0;
        }
        """.replace("VTOP", "V" + top);
  }
}
