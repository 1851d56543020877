// The bundled tiny MLP as the iCEBreaker's serial classifier: classes over the line, and its bitstream.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.qcc.backends.rtl.IceBreaker;
import org.qcc.backends.rtl.Manifest;
import org.qcc.backends.rtl.WeightPlacement;
import org.qcc.ir.Graph;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SerialClassifierTest extends VerilatorTest {
  private static final int IMAGES = 20;

  private Path design;
  private Path loaded;

  /**
   * int4 weights and activations, learned rounding (86.95% on the first 2,000 test images), folded
   * by 1 with every weight in block RAM; and folded by SIMD 4 for the UP5K, fc1's weights in its
   * single-port RAM, over a line at 921,600 baud so the simulated load stream takes seconds.
   */
  @BeforeAll
  void compile() {
    Graph g = BundledDesigns.quantize("fashion_tiny", "quantize{weights=int4,acts=int4},calibrate,learned-round");
    design = work.resolve("tiny");
    BundledDesigns.write(g, "fashion_tiny", design, IMAGES, 1, 1, IceBreaker.DEFAULT_BAUD, 0);
    loaded = work.resolve("tiny-spram");
    BundledDesigns.write(g, "fashion_tiny", loaded, IMAGES, 1, 4, 921_600, WeightPlacement.UP5K_SPRAMS);
  }

  /** The chain itself is bit-exact, and the board's top level answers every image with the golden model's class. */
  @Test
  void classesComeBackOverTheSerialLine() {
    Manifest.Board board = Manifest.read(design).board();
    assertEquals("IceBreakerTop", board.top());
    assertEquals(115200, board.baud());
    ChainCosimulation.Report chain = ChainCosimulation.run(design, 0, null, step -> {});
    assertTrue(chain.bitExact(), chain.firstMismatches().toString());
    assertModelAgrees(chain);
    SerialCosimulation.Report serial = SerialCosimulation.run(design, 0, step -> {});
    assertEquals(IMAGES, serial.images());
    assertTrue(serial.exact(), serial.firstMismatches().toString());
    // 784 bytes of 10 bits at 104 cycles a bit, then the chain's 25,088 cycles and the answer.
    assertTrue(serial.cyclesPerImage() > 784 * 10 * 104 && serial.cyclesPerImage() < 784 * 10 * 104 + 40_000, "cycles per image " + serial.cyclesPerImage());
  }

  /**
   * fc1's weights in single-port RAM, loaded at start-up: its load stream holds every line, the
   * chain is bit-exact once they are in, at SIMD 4's pace, and the board's top level, sent them
   * over the line first, answers every image with the golden model's class. A flipped bit in the
   * stream changes outputs, and a stream cut short is refused.
   */
  @Test
  void weightsLoadedAtStartUpGiveTheSameOutputs() throws IOException {
    Manifest m = Manifest.read(loaded);
    assertEquals(List.of("spram", "bram"), m.layers().stream().map(Manifest.Layer::weightMemory).toList());
    // 784 x 32 int4 weights, 4 to a 16-bit line: 6,272 lines of 2 bytes.
    assertEquals(6272 * 2, Files.size(loaded.resolve(m.load())));
    ChainCosimulation.Report chain = ChainCosimulation.run(loaded, 0, null, step -> {});
    assertTrue(chain.bitExact(), chain.firstMismatches().toString());
    assertModelAgrees(chain);
    assertEquals(6272, chain.cyclesPerImage(), 0.5);
    SerialCosimulation.Report serial = SerialCosimulation.run(loaded, 0, step -> {});
    assertTrue(serial.exact(), serial.firstMismatches().toString());

    Path copy = work.resolve("loaded-mutant");
    copyFolder(loaded, copy);
    Path load = copy.resolve(m.load());
    byte[] bytes = Files.readAllBytes(load);
    // Neuron 0's weight of the image's centre pixel (row 14, column 14): its code's sign bit.
    bytes[2 * ((14 * 28 + 14) / 4)] ^= 0x08;
    Files.write(load, bytes);
    ChainCosimulation.Report flipped = ChainCosimulation.run(copy, 0, null, step -> {});
    assertTrue(flipped.mismatchCount() > 0, "no output changed");
    Files.write(load, Arrays.copyOf(bytes, bytes.length - 1));
    ToolException cut = assertThrows(ToolException.class, () -> ChainCosimulation.run(copy, 0, null, step -> {}));
    assertTrue(cut.getMessage().contains("the chain wants more than the load stream's 12543 bytes"), cut.getMessage());
  }

  /** Classes 0 and 1 with each other's weights: images of those classes come back wrong. */
  @Test
  void swappedWeightRowsAreCaught() throws IOException {
    Path copy = work.resolve("mutant");
    copyFolder(design, copy);
    Path hex = copy.resolve("weights/layer1_pe0.hex");
    List<String> lines = new ArrayList<>(Files.readAllLines(hex));
    // PE 1: one line per (row, column), row-major over 32 columns.
    for (int k = 0; k < 32; k++) {
      Collections.swap(lines, k, 32 + k);
    }
    Files.write(hex, lines);
    SerialCosimulation.Report serial = SerialCosimulation.run(copy, 0, step -> {});
    assertTrue(serial.mismatchCount() > 0, "no class changed");
  }

  /**
   * The classifier with fc1's weights in single-port RAM fits the UP5K, meets the board's 12 MHz
   * (nextpnr's seed is fixed, so the result is repeatable: 13.36 MHz with nextpnr 0.4), and packs
   * into a bitstream.
   */
  @Test
  void buildsABitstreamForTheUp5k() throws IOException {
    assumeTrue(ExternalTool.available("nextpnr-ice40") || System.getenv("CI") != null, "nextpnr-ice40 is not installed");
    Bitstream.Report r = Bitstream.run(loaded, step -> {});
    assertTrue(r.used().get("ICESTORM_LC") > 0 && r.used().get("ICESTORM_LC") <= r.available().get("ICESTORM_LC"), r.used().toString());
    assertEquals(1L, r.used().get("ICESTORM_SPRAM"), "fc1's 6,272 x 16-bit weight lines in one single-port RAM");
    assertEquals(4L, r.used().get("ICESTORM_RAM"), "no weights of fc1 in block RAM: its input buffers in 2, fc2's in 2");
    assertTrue(r.meetsClock(), "Fmax " + r.fmaxMhz() + " MHz");
    assertEquals(loaded.resolve("bitstream/fashion_tiny.bin"), r.bitstream());
    assertTrue(Files.size(r.bitstream()) > 100_000, "a UP5K bitstream is about 104 kB");
    assertTrue(Files.exists(loaded.resolve("bitstream/report.json")));
  }

  /** The host's class: the first greatest output, NaN left out, 127 when all are NaN. */
  @Test
  void hostClassesFollowTheHardwaresOrder() {
    assertEquals(1, SerialCosimulation.argmax(new float[] {1f, 2f, 2f}, 0, 3));
    assertEquals(1, SerialCosimulation.argmax(new float[] {-0f, 0f}, 0, 2));
    assertEquals(0, SerialCosimulation.argmax(new float[] {0f, -0f}, 0, 2));
    assertEquals(2, SerialCosimulation.argmax(new float[] {Float.NaN, -1f, 3f}, 0, 3));
    assertEquals(127, SerialCosimulation.argmax(new float[] {Float.NaN, Float.NaN}, 0, 2));
  }

  private static void copyFolder(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
