// Block-format (BFP, MX) quantization of run-time values in generated code, against the interpreter.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.BackendException;
import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.ScalarFormat;

class BlockQuantLoweringTest {
  private static final int LINES = 24;

  /**
   * Every MX preset, MX with a block size that leaves a short last block, and BFP from 2 to 16
   * element bits with narrow shared exponents; under rne (computed directly) and, where the
   * element has at most 8 bits, rtz (through the table).
   */
  static Stream<Arguments> formats() {
    List<Arguments> out = new ArrayList<>();
    List<String> names = new ArrayList<>(List.of("mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4_e2m1", "mxint8", "mxfp4_e2m1k16", "mxint8k12"));
    names.addAll(List.of("bfp2b4e3", "bfp4b8e4", "bfp8b16", "bfp8b32e5", "bfp12b16e6", "bfp16b32"));
    for (String name : names) {
      BlockFormat f = (BlockFormat) ElementFormats.parse(name);
      out.add(Arguments.of(name, "rne"));
      if (f.elementFormat().bits() <= QuantTable.MAX_BITS) {
        out.add(Arguments.of(name, "rtz"));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("formats")
  void contiguousBlocksEqualTheInterpreter(String format, String rounding) {
    BlockFormat f = (BlockFormat) ElementFormats.parse(format);
    int length = 2 * f.blockSize() + 3;
    float[][] lines = lines(f, length);
    float[] x = new float[lines.length * length];
    for (int l = 0; l < lines.length; l++) {
      System.arraycopy(lines[l], 0, x, l * length, length);
    }
    // Two images of [LINES/2, length], blocks along the last axis.
    LayerLoweringTest.assertBothStylesEqualTheInterpreter(graph(format, rounding, new int[] {LINES / 2, length}, -1), new FloatTensor(FloatFormat.FP32, new int[] {2, LINES / 2, length}, x));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("formats")
  void stridedBlocksEqualTheInterpreter(String format, String rounding) {
    BlockFormat f = (BlockFormat) ElementFormats.parse(format);
    int length = f.blockSize() + 5;
    float[][] lines = lines(f, length);
    // Two images of [2, length, LINES/4]: blocks along axis 2 with the lines side by side.
    int inner = LINES / 4;
    float[] x = new float[lines.length * length];
    for (int l = 0; l < lines.length; l++) {
      int outer = l / inner;
      for (int a = 0; a < length; a++) {
        x[(outer * length + a) * inner + l % inner] = lines[l][a];
      }
    }
    LayerLoweringTest.assertBothStylesEqualTheInterpreter(graph(format, rounding, new int[] {2, length, inner}, 2), new FloatTensor(FloatFormat.FP32, new int[] {2, 2, length, inner}, x));
  }

  @Test
  void rejectsTwoLevelFormatsAndBlocksAlongTheBatch() {
    BackendException nvfp4 = assertThrows(BackendException.class, () -> JitModel.compile(graph("nvfp4", "rne", new int[] {4, 32}, -1)).close());
    assertEquals("node 'fq' (qcc.FakeQuant): nvfp4 scales by the whole tensor's largest magnitude, which spans the batch; run-time values cannot use it", nvfp4.getMessage());
    BackendException batch = assertThrows(BackendException.class, () -> JitModel.compile(graph("mxfp8_e4m3", "rne", new int[] {4, 32}, 0)).close());
    assertEquals("node 'fq' (qcc.FakeQuant): blocks along the batch axis are not supported", batch.getMessage());
  }

  /**
   * LINES lines of {@code length} values. Most lines pin their blocks' scale with the element's
   * largest value times a power of two (from the bottom of fp32's range to the top, where outputs
   * overflow), then fill them with every element code's value, the midpoints between neighbouring
   * codes and the floats next to those, in that binade. The rest hold NaN, infinities, zeros only,
   * subnormals only, and noise spanning many binades.
   */
  private static float[][] lines(BlockFormat f, int length) {
    ScalarFormat e = f.elementFormat();
    List<Double> grid = FakeQuantLoweringTest.valuesAndMidpoints(e);
    SplittableRandom r = new SplittableRandom(11);
    int[] exponents = {-149, -140, -126, -60, -8, -1, 0, 3, 40, 120, 126, 127};
    float[][] out = new float[LINES][length];
    int next = 0;
    for (int l = 0; l < LINES; l++) {
      float[] line = out[l];
      int kind = l % 12;
      for (int a = 0; a < length; a++) {
        line[a] = switch (kind) {
          case 8 -> a == 3 ? Float.NaN : (float) r.nextGaussian();
          case 9 -> a == 5 ? (l % 2 == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY) : (float) r.nextGaussian();
          case 10 -> l % 2 == 0 ? (a % 3 == 0 ? -0f : 0f) : Float.MIN_VALUE * r.nextInt(-50, 50);
          case 11 -> (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(-100, 100)));
          default -> {
            double pin = Math.scalb(1.0, exponents[(l + a / f.blockSize()) % exponents.length]);
            yield a % f.blockSize() == 0 ? (float) (e.maxValue() * pin) : (float) (grid.get(next++ % grid.size()) * pin);
          }
        };
      }
    }
    return out;
  }

  /** One qcc.FakeQuant of {@code format} over [N, image...], blocks along {@code axis}. */
  private static Graph graph(String format, String rounding, int[] image, int axis) {
    Graph g = new Graph("bq");
    List<Dim> dims = new ArrayList<>(List.of(new Dim.Symbolic("N")));
    for (int d : image) {
      dims.add(new Dim.Fixed(d));
    }
    Value in = g.addInput(new Value("x", new TensorType(FloatFormat.FP32, Shape.of(dims))));
    Value out = new Value("y", in.type());
    g.addNode(
        new Node(
            "qcc",
            "FakeQuant",
            "fq",
            List.of(in),
            List.of(out),
            Map.of("format", new Attribute.Str(format), "rounding", new Attribute.Str(rounding), "axis", new Attribute.Int(axis))));
    g.addOutput(out);
    g.setOpset("qcc", 1);
    return g;
  }
}
