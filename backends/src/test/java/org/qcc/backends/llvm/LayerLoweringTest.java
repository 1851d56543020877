// Single layers with the attributes the bundled models leave out, both code styles against the interpreter.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.text.QirParser;
import org.qcc.simulator.functional.Interpreter;

class LayerLoweringTest {
  private static final int IMAGES = 19; // a full tile and a partial one

  static Stream<Arguments> layers() {
    return Stream.of(
        Arguments.of("max pool, padded, ceil mode", "[N,2,7,7]", "[N,2,4,4]", "MaxPool(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2], ceil_mode = 1}"),
        Arguments.of("max pool, no padding", "[N,3,6,6]", "[N,3,3,3]", "MaxPool(%x) {kernel_shape = [2, 2], strides = [2, 2]}"),
        Arguments.of("max pool, rows of 8 lanes and an overlapping vector", "[N,3,28,28]", "[N,3,14,14]", "MaxPool(%x) {kernel_shape = [2, 2], strides = [2, 2]}"),
        Arguments.of("max pool, rows of 4 lanes, many specials", "[N,2,14,14]", "[N,2,7,7]", "MaxPool(%x) {kernel_shape = [2, 2], strides = [2, 2]}"),
        Arguments.of("max pool, 3x3 stride 1, many specials", "[N,2,11,12]", "[N,2,9,10]", "MaxPool(%x) {kernel_shape = [3, 3]}"),
        Arguments.of("max pool, 2x3 stride 3 by 2, rows of 2 lanes", "[N,2,8,7]", "[N,2,3,3]", "MaxPool(%x) {kernel_shape = [2, 3], strides = [3, 2]}"),
        Arguments.of("average pool, padding counted", "[N,2,5,5]", "[N,2,3,3]", "AveragePool(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2], count_include_pad = 1}"),
        Arguments.of("average pool, padding not counted", "[N,2,5,5]", "[N,2,5,5]", "AveragePool(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]}"),
        Arguments.of("global max pool", "[N,3,4,5]", "[N,3,1,1]", "GlobalMaxPool(%x)"),
        Arguments.of("global average pool", "[N,3,4,5]", "[N,3,1,1]", "GlobalAveragePool(%x)"),
        Arguments.of("grouped strided dilated conv", "[N,4,9,9]", "[N,6,4,4]", "Conv(%x, %w, %b) {group = 2, kernel_shape = [3, 3], strides = [2, 2], dilations = [2, 1], pads = [2, 1, 1, 0]}"),
        Arguments.of("pointwise conv", "[N,4,3,3]", "[N,6,3,3]", "Conv(%x, %w1)"),
        Arguments.of("conv, same padding, wide image", "[N,4,20,20]", "[N,6,20,20]", "Conv(%x, %w5) {auto_pad = \"SAME_UPPER\", kernel_shape = [3, 3]}"),
        Arguments.of("gemm, transposed B, alpha and beta", "[N,12]", "[N,5]", "Gemm(%x, %g, %c) {transB = 1, alpha = 0.75, beta = 2.0}"),
        Arguments.of("matmul, rank 3", "[N,3,12]", "[N,3,7]", "MatMul(%x, %m)"),
        Arguments.of("add a broadcast constant", "[N,3,2,2]", "[N,3,2,2]", "Add(%x, %k)"),
        Arguments.of("divide by the input", "[N,3,2,2]", "[N,3,2,2]", "Div(%k4, %x)"),
        Arguments.of("relu", "[N,3,2,2]", "[N,3,2,2]", "Relu(%x)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void loopsAndThreadsEqualTheInterpreter(String what, String in, String out, String node) {
    assertBothStylesEqualTheInterpreter(layer(what, out, in, node), input(what, in));
  }

  static Stream<Arguments> sparseLayers() {
    return Stream.of(
        Arguments.of("2:4 conv, same padding, wide image", "[N,8,20,20]", "[N,6,20,20]", "Conv(%x, %w8) {auto_pad = \"SAME_UPPER\", kernel_shape = [3, 3]}", 2, 4),
        Arguments.of("1:4 grouped strided conv with bias", "[N,8,9,9]", "[N,6,4,4]", "Conv(%x, %w4, %b) {group = 2, kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 0, 0]}", 1, 4),
        Arguments.of("2:4 pointwise conv", "[N,8,3,3]", "[N,6,3,3]", "Conv(%x, %w81)", 2, 4),
        Arguments.of("2:4 gemm, transposed B", "[N,12]", "[N,5]", "Gemm(%x, %g, %c) {transB = 1, alpha = 0.75, beta = 2.0}", 2, 4),
        Arguments.of("3:4 gemm", "[N,12]", "[N,7]", "Gemm(%x, %m)", 3, 4),
        Arguments.of("2:4 matmul, rank 3", "[N,3,12]", "[N,3,7]", "MatMul(%x, %m)", 2, 4),
        Arguments.of("1:2 gemm, k not a multiple of four, wider than a register tile", "[N,14]", "[N,50]", "Gemm(%x, %h, %c50) {transB = 1}", 1, 2));
  }

  /**
   * N:M sparse weights: both styles multiply only the kept weights, so an infinity or NaN input
   * meeting a pruned weight leaves the output as the golden model defines it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("sparseLayers")
  void sparseLayersEqualTheInterpreter(String what, String in, String out, String node, int n, int m) {
    Graph g = sparseLayer(what, in, out, node, n, m);
    assertEquals(1, g.nodes().stream().filter(x -> x.qualifiedOp().equals("qcc.Densify")).count(), what);
    assertBothStylesEqualTheInterpreter(g, input(what, in));
  }

  private static Graph sparseLayer(String what, String in, String out, String node, int n, int m) {
    Graph g = layer(what, out, in, node);
    org.qcc.passes.PassManager.build(org.qcc.passes.PassRegistry.standard(), "sparsify{n=" + n + ",m=" + m + "}").run(g);
    return g;
  }

  /** The same layers tiled for AVX2's 8-float vectors (the permute kernel's 256-bit variant), where this CPU runs them. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("sparseLayers")
  void sparseLayersEqualTheInterpreterWithAvx2Vectors(String what, String in, String out, String node, int n, int m) {
    TargetSpec host = TargetSpec.host();
    org.junit.jupiter.api.Assumptions.assumeTrue(host.features().contains("+avx2") && host.features().contains("+fma"), "needs an x86 CPU with AVX2 and FMA");
    TargetSpec avx2 = new TargetSpec(host.triple(), "x86-64-v3", "+avx,+avx2,+fma,+f16c,+bmi,+bmi2,+lzcnt,+movbe");
    assertEquals(32, avx2.vectorBytes());
    Graph g = sparseLayer(what, in, out, node, n, m);
    FloatTensor x = input(what, in);
    Tensor expected = new Interpreter(g).run(List.of(x)).get(0);
    try (JitModel jit = JitModel.compile(g, ModelLowering.Style.LOOPS, avx2)) {
      assertBitsEqual(expected, jit.run(List.of(x.data()), x.dim(0)).get(0), "avx2");
    }
  }

  /** One layer over random constants of every shape the cases use. */
  private static Graph layer(String what, String out, String in, String node) {
    Random r = new Random(what.hashCode());
    String text = "graph \"layer\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32" + in + "\n"
        + constant("w", new int[] {6, 2, 3, 3}, r)
        + constant("b", new int[] {6}, r)
        + constant("w1", new int[] {6, 4, 1, 1}, r)
        + constant("w5", new int[] {6, 4, 3, 3}, r)
        + constant("g", new int[] {5, 12}, r)
        + constant("c", new int[] {5}, r)
        + constant("m", new int[] {12, 7}, r)
        + constant("h", new int[] {50, 14}, r)
        + constant("c50", new int[] {50}, r)
        + constant("k", new int[] {3, 1, 1}, r)
        + constant("k4", new int[] {1, 3, 2, 2}, r)
        + constant("w8", new int[] {6, 8, 3, 3}, r)
        + constant("w4", new int[] {6, 4, 3, 3}, r)
        + constant("w81", new int[] {6, 8, 1, 1}, r)
        + "  %y: fp32" + out + " = " + node + " loc(\"layer\")\n"
        + "  output %y\n}\n";
    return QirParser.parse(text, what);
  }

  /**
   * {@link #IMAGES} images of shape {@code in}: Gaussian values with NaN, infinities, zeros of both
   * signs and subnormals among them (one in 40, or one in 2 where {@code what} says "many specials").
   */
  private static FloatTensor input(String what, String in) {
    Random r = new Random(what.hashCode() + 1);
    int[] shape = dims(in);
    float[] data = new float[IMAGES * (int) LayerContext.elements(java.util.Arrays.copyOfRange(shape, 1, shape.length))];
    float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE};
    int rate = what.contains("many specials") ? 2 : 40;
    for (int i = 0; i < data.length; i++) {
      data[i] = r.nextInt(rate) == 0 ? specials[r.nextInt(specials.length)] : (float) r.nextGaussian();
    }
    shape[0] = IMAGES;
    return new FloatTensor(FloatFormat.FP32, shape, data);
  }

  static Stream<Arguments> relus() {
    return Stream.of(
        Arguments.of("conv then relu", "%t: fp32[N,6,20,20] = Conv(%x, %w5) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} loc(\"conv\")\n  %y: fp32[N,6,20,20] = Relu(%t) loc(\"relu\")", 1),
        Arguments.of("gemm then relu", "%f: fp32[N,1600] = Flatten(%x) loc(\"flat\")\n  %t: fp32[N,7] = MatMul(%f, %big) loc(\"mm\")\n  %y: fp32[N,7] = Relu(%t) loc(\"relu\")", 1),
        Arguments.of("matmul, bias add, relu", "%f: fp32[N,1600] = Flatten(%x) loc(\"flat\")\n  %t: fp32[N,7] = MatMul(%f, %big) loc(\"mm\")\n  %a: fp32[N,7] = Add(%bias7, %t) loc(\"bias\")\n  %y: fp32[N,7] = Relu(%a) loc(\"relu\")", 1),
        Arguments.of("bias add of a matmul used twice", "%f: fp32[N,1600] = Flatten(%x) loc(\"flat\")\n  %t: fp32[N,7] = MatMul(%f, %big) loc(\"mm\")\n  %a: fp32[N,7] = Add(%t, %bias7) loc(\"bias\")\n  %y: fp32[N,7] = Mul(%a, %t) loc(\"mul\")", 3),
        Arguments.of("relu of a conv used twice", "%t: fp32[N,6,20,20] = Conv(%x, %w5) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} loc(\"conv\")\n  %r: fp32[N,6,20,20] = Relu(%t) loc(\"relu\")\n  %y: fp32[N,6,20,20] = Add(%r, %t) loc(\"add\")", 3));
  }

  /** A ReLU, or a bias Add after an fp32 MatMul, whose input nothing else reads runs in the layer's epilogue: one layer function fewer, the same bits. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("relus")
  void reluFusesIntoTheLayerBeforeIt(String what, String nodes, int layerFunctions) {
    Random r = new Random(what.hashCode());
    String text = "graph \"layer\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32[N,4,20,20]\n"
        + constant("w5", new int[] {6, 4, 3, 3}, r)
        + constant("big", new int[] {1600, 7}, r)
        + constant("bias7", new int[] {7}, r)
        + "  " + nodes + "\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, what);
    String ir = ModelLowering.lower(g, TargetSpec.host(), "m", ModelLowering.Style.LOOPS).host().module().ir();
    assertEquals(layerFunctions, ir.split("define internal void @layer", -1).length - 1, ir);
    float[] data = new float[IMAGES * 1600];
    for (int i = 0; i < data.length; i++) {
      data[i] = i % 97 == 0 ? -0f : i % 89 == 0 ? Float.NaN : (float) r.nextGaussian();
    }
    assertBothStylesEqualTheInterpreter(g, new FloatTensor(FloatFormat.FP32, new int[] {IMAGES, 4, 20, 20}, data));
  }

  static Stream<Arguments> transformerPieces() {
    return Stream.of(
        Arguments.of("layer norm over the last axis", "[N,3,16]", "%y: fp32[N,3,16] = LayerNormalization(%x, %s16, %b16) {axis = -1, epsilon = 1.0E-5} loc(\"ln\")"),
        Arguments.of("layer norm over two axes, no bias", "[N,3,16]", "%y: fp32[N,3,16] = LayerNormalization(%x, %s48) {axis = 1} loc(\"ln\")"),
        Arguments.of("softmax along the last axis", "[N,3,5]", "%y: fp32[N,3,5] = Softmax(%x) {axis = -1} loc(\"softmax\")"),
        Arguments.of("softmax along a middle axis", "[N,3,5]", "%y: fp32[N,3,5] = Softmax(%x) {axis = 1} loc(\"softmax\")"),
        Arguments.of("transpose", "[N,2,3,4]", "%y: fp32[N,4,2,3] = Transpose(%x) {perm = [0, 3, 1, 2]} loc(\"t\")"),
        Arguments.of("erf (GELU's)", "[N,3,50]", "%s: fp32[N,3,50] = Mul(%x, %three) loc(\"spread\")\n  %y: fp32[N,3,50] = Erf(%s) loc(\"erf\")"),
        Arguments.of("reduce mean over tokens", "[N,5,8]", "%y: fp32[N,8] = ReduceMean(%x) {axes = [1], keepdims = 0} loc(\"mean\")"),
        Arguments.of("reduce sum over two axes, axes as input", "[N,2,3,4]", "%y: fp32[N,1,3,1] = ReduceSum(%x, %axes) {keepdims = 1} loc(\"sum\")"),
        Arguments.of(
            "split into three",
            "[N,3,6]",
            "%a: fp32[N,3,2], %b: fp32[N,3,2], %c: fp32[N,3,2] = Split(%x, %parts) {axis = 2} loc(\"split\")\n"
                + "  %ab: fp32[N,3,2] = Mul(%a, %b) loc(\"mul\")\n"
                + "  %y: fp32[N,3,2] = Add(%ab, %c) loc(\"add\")"),
        Arguments.of(
            "attention: Q K^T, softmax, times V",
            "[N,4,6,8]",
            "%t: fp32[N,4,8,6] = Transpose(%x) {perm = [0, 1, 3, 2]} loc(\"kt\")\n"
                + "  %s: fp32[N,4,6,6] = MatMul(%x, %t) loc(\"scores\")\n"
                + "  %p: fp32[N,4,6,6] = Softmax(%s) {axis = -1} loc(\"softmax\")\n"
                + "  %y: fp32[N,4,6,8] = MatMul(%p, %x) loc(\"mix\")"),
        Arguments.of(
            "matmul with a run-time matrix shared by every head",
            "[N,4,6,6]",
            "%m: fp32[N,1,6,6] = ReduceSum(%x, %axis1) {keepdims = 1} loc(\"m\")\n"
                + "  %y: fp32[N,4,6,6] = MatMul(%x, %m) loc(\"mm\")"));
  }

  /** The ops a vision transformer adds, with NaN, infinities, -0 and subnormals among the inputs. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("transformerPieces")
  void transformerOpsEqualTheInterpreter(String what, String in, String nodes) {
    Random r = new Random(what.hashCode());
    String text = "graph \"piece\" opsets(\"\" = 17) {\n"
        + "  input %x: fp32" + in + "\n"
        + constant("s16", new int[] {16}, r)
        + constant("b16", new int[] {16}, r)
        + constant("s48", new int[] {3, 16}, r)
        + "  const %three: fp32[] = [3.0]\n"
        + "  const %axes: int64[2] = [1, 3]\n"
        + "  const %axis1: int64[1] = [1]\n"
        + "  const %parts: int64[3] = [2, 2, 2]\n"
        + "  " + nodes + "\n"
        + "  output %y\n}\n";
    Graph g = QirParser.parse(text, what);
    int[] shape = dims(in);
    float[] data = new float[IMAGES * (int) LayerContext.elements(java.util.Arrays.copyOfRange(shape, 1, shape.length))];
    float[] specials = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE, 88.7f, -104f};
    for (int i = 0; i < data.length; i++) {
      data[i] = r.nextInt(60) == 0 ? specials[r.nextInt(specials.length)] : (float) r.nextGaussian();
    }
    shape[0] = IMAGES;
    assertBothStylesEqualTheInterpreter(g, new FloatTensor(FloatFormat.FP32, shape, data));
  }

  /**
   * Runs {@code g} on {@code x} in the interpreter and JIT-compiled in both code styles; every
   * output bit must agree, except that a NaN need only be a NaN: where two NaNs meet, which one an
   * operation returns depends on the machine instruction's operand order (IEEE 754 leaves it open),
   * in the JVM as in generated code.
   */
  static void assertBothStylesEqualTheInterpreter(Graph g, FloatTensor x) {
    Tensor expected = new Interpreter(g).run(List.of(x)).get(0);
    for (ModelLowering.Style style : ModelLowering.Style.values()) {
      try (JitModel jit = JitModel.compile(g, style)) {
        assertBitsEqual(expected, jit.run(List.of(x.data()), x.dim(0)).get(0), style.toString());
      }
    }
  }

  /** Every element's bits, any NaN equal to any other. */
  private static void assertBitsEqual(Tensor expected, float[] actual, String what) {
    assertEquals(expected.size(), actual.length);
    for (int i = 0; i < actual.length; i++) {
      float want = (float) expected.getDouble(i);
      assertEquals(Float.isNaN(want) ? 0x7fc00000 : Float.floatToRawIntBits(want), Float.isNaN(actual[i]) ? 0x7fc00000 : Float.floatToRawIntBits(actual[i]), what + " element " + i + ": " + want + " vs " + actual[i]);
    }
  }

  static String constant(String name, int[] shape, Random r) {
    StringBuilder s = new StringBuilder("  const %" + name + ": fp32" + java.util.Arrays.toString(shape).replace(" ", "") + " = [");
    long n = LayerContext.elements(shape);
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ", ").append((float) r.nextGaussian());
    }
    return s.append("]\n").toString();
  }

  static int[] dims(String shape) {
    String[] parts = shape.substring(1, shape.length() - 1).split(",");
    int[] d = new int[parts.length];
    for (int i = 1; i < parts.length; i++) {
      d[i] = Integer.parseInt(parts[i].strip());
    }
    return d;
  }
}
