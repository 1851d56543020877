// Lowering convolutional graphs to the hardware chain: windows, column order, pools, and what it refuses.
package org.qcc.backends.rtl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.qcc.backends.BackendException;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.Graph;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.cycle.Dataflow;

class ChainPlanConvTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  /** A 2x4x4 image through a 3x3 convolution (stride 2, padding above and left) to 3 channels, the given pool, a Flatten and a Gemm; weights are their own int8 codes. */
  private static Graph graph(String pool, int pooledSide) {
    return parse(text(pool, pooledSide));
  }

  private static Graph parse(String text) {
    Graph g = QirParser.parse(text, "cnn");
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    return g;
  }

  private static String text(String pool, int pooledSide) {
    int side = pool.isEmpty() ? 2 : pooledSide;
    String w = IntStream.range(0, 3 * 2 * 9).mapToObj(i -> String.valueOf(i % 50 - 25)).collect(Collectors.joining(", "));
    String fc = IntStream.range(0, 4 * 3 * side * side).mapToObj(i -> String.valueOf(i % 7 - 3)).collect(Collectors.joining(", "));
    return "graph \"cnn\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,2,4,4]\n"
        + "  const %w: fp32[3,2,3,3] = [" + w + "]\n"
        + "  const %v: fp32[4," + 3 * side * side + "] = [" + fc + "]\n"
        + "  const %one: fp32[] = [1.0]\n"
        + "  %xq: fp32[N,2,4,4] = qcc.FakeQuant(%x, %one) {format = \"int8\"} loc(\"xq\")\n"
        + "  %wq: fp32[3,2,3,3] = qcc.FakeQuant(%w, %one) {format = \"int8\"} loc(\"wq\")\n"
        + "  %c: fp32[N,3,2,2] = Conv(%xq, %wq) {kernel_shape = [3, 3], pads = [1, 1, 0, 0], strides = [2, 2]} loc(\"conv\")\n"
        + "  %r: fp32[N,3,2,2] = Relu(%c) loc(\"relu\")\n"
        + (pool.isEmpty() ? "" : "  %p: fp32[N,3," + side + "," + side + "] = MaxPool(%r) " + pool + " loc(\"pool\")\n")
        + "  %f: fp32[N," + 3 * side * side + "] = Flatten(" + (pool.isEmpty() ? "%r" : "%p") + ") {axis = 1} loc(\"flatten\")\n"
        + "  %fq: fp32[N," + 3 * side * side + "] = qcc.FakeQuant(%f, %one) {format = \"int8\"} loc(\"fq\")\n"
        + "  %vq: fp32[4," + 3 * side * side + "] = qcc.FakeQuant(%v, %one) {format = \"int8\"} loc(\"vq\")\n"
        + "  %y: fp32[N,4] = Gemm(%fq, %vq) {transB = 1} loc(\"fc\")\n"
        + "  output %y\n}\n";
  }

  /**
   * The convolution's windows come from its attributes, its weight columns run (kernel row, kernel
   * column, channel), the Gemm after the Flatten takes the stream's (row, column, channel) order,
   * and the host's input is reordered channels-last.
   */
  @Test
  void convolutionsStreamChannelsLast() {
    ChainPlan plan = ChainPlan.of(graph("", 0), 4, 4);
    ChainPlan.Layer conv = plan.layers().get(0);
    assertEquals(new Dataflow.Window(4, 4, 2, 3, 3, 2, 2, 1, 1, 2, 2), conv.window());
    // Weight value (o, c, ky, kx) is i % 50 - 25 for its flat index i = ((o * 2 + c) * 3 + ky) * 3 + kx.
    for (int o = 0; o < 3; o++) {
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          for (int c = 0; c < 2; c++) {
            int code = conv.weights()[o][(ky * 3 + kx) * 2 + c];
            assertEquals((((o * 2 + c) * 3 + ky) * 3 + kx) % 50 - 25, (byte) code, "o " + o + " c " + c + " ky " + ky + " kx " + kx);
          }
        }
      }
    }
    assertEquals(2 * 2 * (3 / 3) * (18 / 2), conv.cyclesPerImage());
    ChainPlan.Layer fc = plan.layers().get(1);
    // Stream column (h, w, c) = (h * 2 + w) * 3 + c is the Flatten's column c * 4 + h * 2 + w.
    for (int k = 0; k < 12; k++) {
      int c = k % 3;
      int hw = k / 3;
      assertEquals((c * 4 + hw) % 7 - 3, (byte) fc.weights()[0][k], "column " + k);
    }
    float[] image = new float[32];
    for (int i = 0; i < image.length; i++) {
      image[i] = i;
    }
    int[] codes = plan.inputCodes(image);
    assertArrayEquals(new int[] {0, 16, 1, 17, 2, 18}, java.util.Arrays.copyOf(codes, 6));
  }

  @Test
  void poolsThatTileTheImageAreTaken() {
    ChainPlan plan = ChainPlan.of(graph("{kernel_shape = [2, 2], strides = [2, 2]}", 1), 4, 4);
    assertEquals(new Dataflow.Pool(2, 2, 3, 2), plan.layers().get(0).pool());
  }

  @Test
  void overlappingPoolsAreRefused() {
    BackendException e = assertThrows(BackendException.class, () -> ChainPlan.of(graph("{kernel_shape = [2, 2], strides = [1, 1]}", 1), 4, 4));
    assertEquals("node 'pool' (MaxPool): the hardware pools an image by square windows that tile it (kernel = strides, no padding or dilation, floor mode)", e.getMessage());
  }

  /** The bundled CNN's residual block becomes a fork on one layer and a float-path add on the layer that closes it. */
  @Test
  void residualBlocksForkAndAdd() {
    Graph cnn = OnnxImporter.importFile(HOME.resolve("models/fashion_cnn.onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", 64, (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{weights=int4,acts=int8},calibrate").run(cnn, calibration);
    List<ChainPlan.Layer> layers = ChainPlan.of(cnn, 16, 16).layers();
    List<Integer> forks = IntStream.range(0, layers.size()).filter(i -> layers.get(i).floatPath() != null && layers.get(i).floatPath().fork()).boxed().toList();
    List<Integer> adds = IntStream.range(0, layers.size()).filter(i -> layers.get(i).floatPath() != null && layers.get(i).floatPath().residualFrom() >= 0).boxed().toList();
    assertEquals(1, forks.size(), "forking layers");
    assertEquals(1, adds.size(), "adding layers");
    assertEquals(forks.get(0), layers.get(adds.get(0)).floatPath().residualFrom());
    assertTrue(adds.get(0) > forks.get(0) + 1, "the add closes after the branch's own layers");
  }

  /** A value read by two nodes that are not a residual connection's Add and quantizer is refused, naming both. */
  @Test
  void otherBranchesAreRefused() {
    Graph branched = parse(text("", 0).replace("  %f:", "  %dead: fp32[N,3,2,2] = Relu(%r) loc(\"dead\")\n  %f:"));
    BackendException e = assertThrows(BackendException.class, () -> ChainPlan.of(branched, 4, 4));
    assertEquals("'r' feeds 2 nodes ('dead', 'flatten'): the hardware chain takes a single path, and residual connections from a layer's (pooled) outputs to an Add after a later layer", e.getMessage());
  }
}
