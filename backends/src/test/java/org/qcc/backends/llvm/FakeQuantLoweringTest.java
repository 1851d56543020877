// Quantizing run-time values in generated code, for every scalar format of at most 8 bits.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.ir.Attribute;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.simulator.functional.Interpreter;

class FakeQuantLoweringTest {
  /** The presets plus every signed and unsigned integer and every ExMy minifloat of 2 to 8 bits. */
  static Stream<ScalarFormat> formats() {
    List<String> names = new ArrayList<>();
    for (int bits = 2; bits <= 8; bits++) {
      names.add("int" + bits);
      names.add("uint" + bits);
      for (int e = 1; e < bits; e++) {
        names.add("e" + e + "m" + (bits - 1 - e));
      }
    }
    Stream<ElementFormat> parsed = names.stream().map(ElementFormats::lookup).flatMap(java.util.Optional::stream);
    return Stream.concat(ElementFormats.presets().stream(), parsed)
        .filter(f -> f instanceof ScalarFormat s && s.bits() <= QuantTable.MAX_BITS)
        .map(f -> (ScalarFormat) f)
        .distinct();
  }

  /**
   * The finite values of {@code f}'s codes (the first 4,096 codes of wider formats) in increasing
   * order, each followed by the midpoint to the next and the doubles either side of that midpoint.
   */
  static List<Double> valuesAndMidpoints(ScalarFormat f) {
    List<Double> values = new ArrayList<>();
    for (int c = 0; c < 1 << Math.min(f.bits(), 12); c++) {
      double d = f.decode(c);
      if (Double.isFinite(d)) {
        values.add(d);
      }
    }
    values.sort(null);
    List<Double> v = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      v.add(values.get(i));
      if (i + 1 < values.size()) {
        double mid = (values.get(i) + values.get(i + 1)) / 2;
        v.addAll(List.of(mid, Math.nextUp(mid), Math.nextDown(mid)));
      }
    }
    return v;
  }

  /** Every code's value, the midpoints between neighbours and the doubles next to them, signed zeros, overflow, NaN, and noise. */
  static float[] probes(ScalarFormat f, float scale) {
    List<Double> v = valuesAndMidpoints(f);
    v.addAll(List.of(0.0, -0.0, 1e30, -1e30, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 2.0 * f.maxValue(), -2.0 * f.maxValue()));
    SplittableRandom r = new SplittableRandom(7);
    for (int i = 0; i < 200; i++) {
      v.add((r.nextDouble() * 2 - 1) * 1.5 * f.maxValue());
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (v.get(i) * scale);
    }
    return out;
  }

  @ParameterizedTest(name = "{index}")
  @MethodSource("formats")
  void theTableIsTheFormatsQuantizer(ScalarFormat f) {
    for (Rounding rounding : List.of(Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY, Rounding.TOWARD_ZERO, Rounding.FLOOR, Rounding.CEIL)) {
      QuantTable t = QuantTable.of(f, rounding);
      for (float x : probes(f, 1f)) {
        for (double y : new double[] {x, Math.nextUp((double) x), Math.nextDown((double) x)}) {
          assertEquals(Float.floatToRawIntBits(f.quantize(y, rounding, 0)), Float.floatToRawIntBits(t.lookup(y)), f.name() + " " + rounding + " at " + y);
        }
      }
    }
  }

  @ParameterizedTest(name = "{index}")
  @MethodSource("formats")
  void generatedCodeQuantizesLikeTheInterpreter(ScalarFormat f) {
    // rne computes directly for integers and minifloats; rtz goes through the table.
    for (Rounding rounding : List.of(Rounding.NEAREST_EVEN, Rounding.TOWARD_ZERO)) {
      for (ModelLowering.Style style : ModelLowering.Style.values()) {
        check(f, rounding, style);
      }
    }
  }

  private static void check(ScalarFormat f, Rounding rounding, ModelLowering.Style style) {
    float scale = 0.3f;
    float[] x = probes(f, scale);
    Graph g = new Graph("fq");
    Value in = g.addInput(new Value("x", new TensorType(FloatFormat.FP32, Shape.of(List.of(new org.qcc.ir.Dim.Symbolic("N"), new org.qcc.ir.Dim.Fixed(x.length))))));
    Value s = g.addConstant(new Value("s", TensorType.of(FloatFormat.FP32)), Tensor.scalar(scale));
    Value out = new Value("y", in.type());
    g.addNode(new Node("qcc", "FakeQuant", "fq", List.of(in, s), List.of(out), Map.of("format", new Attribute.Str(f.name()), "rounding", new Attribute.Str(rounding.id()))));
    g.addOutput(out);
    g.setOpset("qcc", 1);
    FloatTensor input = new FloatTensor(FloatFormat.FP32, new int[] {1, x.length}, x);
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(input)).get(0)).data();
    try (JitModel jit = JitModel.compile(g, style)) {
      float[] actual = jit.run(List.of(x), 1).get(0);
      for (int i = 0; i < x.length; i++) {
        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), f.name() + " " + rounding + " " + style + " at " + x[i] + ": " + expected[i] + " vs " + actual[i]);
      }
    }
  }
}
