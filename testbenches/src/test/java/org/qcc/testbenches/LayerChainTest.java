// A whole quantized network in hardware: the layer chain against the golden interpreter, logit for logit.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;

class LayerChainTest extends VerilatorTest {
  private static final int IMAGES = 40;

  /** Data, first weight and second weight formats, with their scales; dense or 2:4 sparse weights; built in or loaded at start-up. */
  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", false, false),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03", false, false),
        Arguments.of("int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1", true, false),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03", true, false),
        Arguments.of("e4m3fn", "0.01", "e2m1", "0.05", "e4m3fn", "0.02", "0.03", true, true));
  }

  /**
   * The {@link TinyNetwork#graph} on {@value #IMAGES} {@link TinyNetwork#images} through the Verilator model of the
   * chain, its output ready two cycles in three; the host's output step turns the last sums into
   * logits, which must equal the interpreter's bit for bit.
   */
  @ParameterizedTest(name = "{0} data, {2} then {4} weights, 2:4 sparse {7}, loaded {8}")
  @MethodSource("configs")
  void logitsEqualTheInterpreter(String data, String dataScale, String w1Format, String w1Scale, String w2Format, String w2Scale, String hiddenScale, boolean sparse, boolean loaded) {
    Random r = new Random(3);
    Graph g = TinyNetwork.graph(r, data, dataScale, w1Format, w1Scale, w2Format, w2Scale, hiddenScale, sparse);
    float[] x = TinyNetwork.images(r, IMAGES);
    ChainPlan plan = assertChainMatchesInterpreter(g, x, new int[] {IMAGES, 12}, data + "_" + w1Format + "_" + w2Format + (sparse ? "_sparse" : "") + (loaded ? "_loaded" : ""), loaded);
    assertTrue(plan.layers().stream().allMatch(l -> l.exact().accumulator().bits() > 0));
  }

  /**
   * The design-folder flow of {@code qcc compile --target rtl} and {@code qcc sim --verilator} on
   * the int8 network: bit-exact, on the folded schedule, with a VCD trace of the run; then a
   * weight file with one bit flipped is caught, and more images than the folder holds are refused.
   */
  @Test
  void aDesignFolderIsCheckedAgainstItsGoldenVectors() throws IOException {
    Random r = new Random(3);
    Graph g = TinyNetwork.graph(r, "int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1");
    float[] x = TinyNetwork.images(r, IMAGES);
    Path dir = work.resolve("design");
    RtlCompiler.write(g, dir, "tiny", 4, 4, 0, perImage -> x);
    Path vcd = work.resolve("waves/tiny.vcd");
    ChainCosimulation.Report ok = ChainCosimulation.run(dir, 0, vcd, step -> {});
    assertEquals(IMAGES, ok.images());
    assertTrue(ok.bitExact(), ok.firstMismatches().toString());
    assertModelAgrees(ok);
    // fc2 sets the pace: its 5 rows allow PE 1, so (5 / 1) * (8 / 4) cycles per image.
    assertEquals(10, ok.cyclesPerImage(), 0.5);
    String trace = Files.readString(vcd);
    assertTrue(trace.contains("$enddefinitions") && trace.contains(" io_in_valid "), "a VCD of the chain's ports");

    Path weights = dir.resolve("weights/layer1_pe0.hex");
    List<String> lines = new ArrayList<>(Files.readAllLines(weights));
    lines.set(0, Long.toHexString(Long.parseLong(lines.get(0), 16) ^ 1));
    Files.write(weights, lines);
    ChainCosimulation.Report corrupt = ChainCosimulation.run(dir, 0, null, step -> {});
    assertTrue(corrupt.mismatchCount() > 0 && corrupt.firstMismatches().stream().allMatch(m -> m.output() == 0), corrupt.firstMismatches().toString());

    DiagnosticException tooMany = assertThrows(DiagnosticException.class, () -> ChainCosimulation.run(dir, IMAGES + 1, null, step -> {}));
    assertEquals(dir + ": the design has " + IMAGES + " test images, " + (IMAGES + 1) + " were asked for (recompile with --vectors)", tooMany.getMessage());
  }

}
