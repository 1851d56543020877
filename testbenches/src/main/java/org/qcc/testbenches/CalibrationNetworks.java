// Random small quantized networks whose layers span the formats, folding and sizes the cost model must cover.
package org.qcc.testbenches;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;

/**
 * The cost model's calibration grid: point {@code i} is a network drawn from a generator seeded by
 * {@code i}, so a grid is the same on every machine and a run can resume at any point. Each
 * network has two layers (a fully-connected or convolutional layer with ReLU and an activation
 * quantizer, then a fully-connected layer), so every point gives one hidden layer, whose outputs
 * go through thresholds, and one final layer, whose sums leave the chain.
 */
public final class CalibrationNetworks {
  private CalibrationNetworks() {}

  /** Activation formats: integers of 2 to 8 bits and the minifloats of 4 to 8 bits. */
  static final List<String> DATA = List.of("int2", "int3", "int4", "int5", "int6", "int8", "fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "e4m3fn", "e5m2");
  /** Weight formats, the same families. */
  static final List<String> WEIGHTS = List.of("int2", "int3", "int4", "int5", "int6", "int8", "fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "e4m3fn", "e5m2");

  /** One grid point: its network, the folding caps to compile it with, and a line saying what it is. */
  public record Point(int index, Graph graph, int maxPe, int maxSimd, String description) {}

  /** Where the quantizers' scales go until the weights they follow from are drawn. */
  private static final String QUANTIZERS = "@quantizers@";

  /** Grid point {@code index}. */
  public static Point point(int index) {
    Random r = new Random(0x5eed0000L + index);
    String data = pick(r, DATA);
    String w1 = pick(r, WEIGHTS);
    String w2 = pick(r, WEIGHTS);
    boolean minifloat = data.startsWith("e") || data.startsWith("fp") || w1.startsWith("e") || w1.startsWith("fp");
    boolean sparse = r.nextInt(5) == 0;
    // Minifloat lanes take yosys long: fewer of them keeps a grid point near half a minute. The
    // second layer's SIMD is the first's PE, so its lanes are up to PE squared.
    int maxLanes = minifloat ? 16 : 64;
    int maxPe = 1 << r.nextInt(minifloat ? 3 : 4);
    int maxSimd = Math.max(sparse ? 4 : 1, Math.min(1 << r.nextInt(7), maxLanes / maxPe));
    int outputs = 2 + r.nextInt(9);
    boolean conv = r.nextInt(3) == 0;
    StringBuilder text = new StringBuilder("graph \"p" + index + "\" opsets(\"\" = 17) {\n");
    String description;
    int hidden;
    Constant weight1;
    if (conv) {
      int channels = pick(r, List.of(1, 2, 3, 4, 8, 16));
      if (sparse) {
        channels = Math.max(4, channels / 4 * 4);
      }
      int size = pick(r, List.of(4, 6, 8, 10, 12));
      int filters = pick(r, List.of(4, 8, 12, 16, 24, 32));
      int kernel = pick(r, List.of(1, 3, 3, 5));
      int pad = kernel / 2;
      boolean pool = size % 2 == 0 && r.nextBoolean();
      int side = pool ? size / 2 : size;
      hidden = filters * side * side;
      description = String.format("conv %dx%dx%d k%d -> %d%s, fc -> %d", channels, size, size, kernel, filters, pool ? " pool" : "", outputs);
      text.append("  input %x: fp32[N,").append(channels).append(',').append(size).append(',').append(size).append("]\n");
      weight1 = weight("w1", new int[] {filters, channels, kernel, kernel}, r, sparse);
      text.append(weight1.text()).append(constant("b1", new int[] {filters}, r, 0.1).text());
      text.append(QUANTIZERS);
      text.append(quantizedWeight("w1", new int[] {filters, channels, kernel, kernel}, w1, sparse));
      text.append("  %xq: fp32[N,").append(channels).append(',').append(size).append(',').append(size).append("] = qcc.FakeQuant(%x, %sx) {format = \"").append(data).append("\"} loc(\"xq\")\n");
      text.append("  %c: fp32[N,").append(filters).append(',').append(size).append(',').append(size).append("] = Conv(%xq, %w1q, %b1) {kernel_shape = [")
          .append(kernel).append(", ").append(kernel).append("], pads = [").append(pad).append(", ").append(pad).append(", ").append(pad).append(", ").append(pad)
          .append("], strides = [1, 1]} loc(\"conv\")\n");
      text.append("  %r: fp32[N,").append(filters).append(',').append(size).append(',').append(size).append("] = Relu(%c) loc(\"relu\")\n");
      String last = "%r";
      if (pool) {
        text.append("  %p: fp32[N,").append(filters).append(',').append(side).append(',').append(side).append("] = MaxPool(%r) {kernel_shape = [2, 2], strides = [2, 2]} loc(\"pool\")\n");
        last = "%p";
      }
      text.append("  %f: fp32[N,").append(hidden).append("] = Flatten(").append(last).append(") {axis = 1} loc(\"flatten\")\n");
    } else {
      int inputs = pick(r, List.of(8, 16, 24, 32, 48, 64, 96, 128, 192, 256));
      hidden = pick(r, List.of(4, 8, 12, 16, 24, 32, 48, 64));
      description = String.format("fc %d -> %d, fc -> %d", inputs, hidden, outputs);
      text.append("  input %x: fp32[N,").append(inputs).append("]\n");
      weight1 = weight("w1", new int[] {hidden, inputs}, r, sparse);
      text.append(weight1.text()).append(constant("b1", new int[] {hidden}, r, 0.1).text());
      text.append(QUANTIZERS);
      text.append(quantizedWeight("w1", new int[] {hidden, inputs}, w1, sparse));
      text.append("  %xq: fp32[N,").append(inputs).append("] = qcc.FakeQuant(%x, %sx) {format = \"").append(data).append("\"} loc(\"xq\")\n");
      text.append("  %h: fp32[N,").append(hidden).append("] = Gemm(%xq, %w1q, %b1) {transB = 1} loc(\"fc1\")\n");
      text.append("  %f: fp32[N,").append(hidden).append("] = Relu(%h) loc(\"relu\")\n");
    }
    text.append("  %fq: fp32[N,").append(hidden).append("] = qcc.FakeQuant(%f, %sh) {format = \"").append(data).append("\"} loc(\"fq\")\n");
    Constant weight2 = constant("w2", new int[] {outputs, hidden}, r, 0.3);
    text.append(weight2.text()).append(constant("b2", new int[] {outputs}, r, 0.1).text());
    text.append(quantizedWeight("w2", new int[] {outputs, hidden}, w2, false));
    text.append("  %y: fp32[N,").append(outputs).append("] = Gemm(%fq, %w2q, %b2) {transB = 1} loc(\"fc2\")\n");
    text.append("  output %y\n}\n");
    // The weights' scales follow from their values, so they go in once both are drawn.
    int at = text.indexOf(QUANTIZERS);
    text.replace(at, at + QUANTIZERS.length(), quantizers(data, w1, weight1.maxAbs(), w2, weight2.maxAbs()));
    Graph g = QirParser.parse(text.toString(), "p" + index);
    PassManager.build(PassRegistry.standard(), "accumulators").run(g);
    String formats = String.format("%s data, %s then %s weights%s, PE <= %d, SIMD <= %d", data, w1, w2, sparse ? ", 2:4 sparse" : "", maxPe, maxSimd);
    return new Point(index, g, maxPe, maxSimd, description + "; " + formats);
  }

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }

  /**
   * The scales of the input and hidden activations (few values saturate any of the formats) and of
   * both weights: each weight's largest magnitude on its format's largest value, as max calibration
   * sets them, so the weight memories hold codes spread over the whole format as a quantized
   * model's do; how many distinct codes a memory holds changes what its logic costs.
   */
  private static String quantizers(String data, String w1, float w1Max, String w2, float w2Max) {
    String activations = data.startsWith("int") ? "0.05" : "0.02";
    return "  const %sx: fp32[] = [" + activations + "]\n"
        + "  const %sh: fp32[] = [" + activations + "]\n"
        + "  const %sw1: fp32[] = [" + w1Max / ElementFormats.scalar(w1).maxValue() + "]\n"
        + "  const %sw2: fp32[] = [" + w2Max / ElementFormats.scalar(w2).maxValue() + "]\n";
  }

  /** A weight of {@code shape} or, with {@code sparse}, its kept half along the inputs and the kept positions, 2 of every 4. */
  private static Constant weight(String name, int[] shape, Random r, boolean sparse) {
    if (!sparse) {
      return constant(name, shape, r, 0.3);
    }
    int[] half = shape.clone();
    half[1] /= 2;
    int inner = Arrays.stream(shape).skip(2).reduce(1, (a, b) -> a * b);
    int[] positions = new int[shape[0] * half[1] * inner];
    for (int o = 0; o < shape[0]; o++) {
      for (int g = 0; g < shape[1] / 4; g++) {
        for (int k = 0; k < inner; k++) {
          int a = r.nextInt(4);
          int b = (a + 1 + r.nextInt(3)) % 4;
          positions[((o * half[1]) + g * 2) * inner + k] = Math.min(a, b);
          positions[((o * half[1]) + g * 2 + 1) * inner + k] = Math.max(a, b);
        }
      }
    }
    Constant values = constant(name, half, r, 0.3);
    return new Constant(values.text() + "  const %" + name + "i: uint8" + dims(half) + " = " + Arrays.toString(positions) + "\n", values.maxAbs());
  }

  /** {@code %NAMEq}, the weight quantized to {@code format}, a sparse one scattered along its inputs by a qcc.Densify. */
  private static String quantizedWeight(String name, int[] shape, String format, boolean sparse) {
    String quant = "qcc.FakeQuant(%" + name + ", %s" + name + ") {format = \"" + format + "\"}";
    if (!sparse) {
      return "  %" + name + "q: fp32" + dims(shape) + " = " + quant + " loc(\"" + name + "q\")\n";
    }
    int[] half = shape.clone();
    half[1] /= 2;
    return "  %" + name + "v: fp32" + dims(half) + " = " + quant + " loc(\"" + name + "q\")\n"
        + "  %" + name + "q: fp32" + dims(shape) + " = qcc.Densify(%" + name + "v, %" + name + "i) {axis = 1, m = 4, n = 2} loc(\"" + name + "d\")\n";
  }

  /** A constant's declaration and its largest magnitude. */
  private record Constant(String text, float maxAbs) {}

  private static Constant constant(String name, int[] shape, Random r, double scale) {
    StringBuilder s = new StringBuilder("  const %" + name + ": fp32" + dims(shape) + " = [");
    int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    float max = 0;
    for (int i = 0; i < n; i++) {
      float v = (float) (r.nextGaussian() * scale);
      max = Math.max(max, Math.abs(v));
      s.append(i == 0 ? "" : ", ").append(v);
    }
    return new Constant(s.append("]\n").toString(), max);
  }

  private static String dims(int[] shape) {
    return Arrays.toString(shape).replace(" ", "");
  }
}
