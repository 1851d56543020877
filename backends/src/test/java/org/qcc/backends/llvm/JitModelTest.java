// The JIT-compiled bundled models against the golden interpreter, bit for bit.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

class JitModelTest {
  static Stream<Arguments> pipelines() {
    return Stream.of(
        Arguments.of("mlp", "canonicalize"),
        Arguments.of("cnn", "canonicalize"),
        Arguments.of("mlp", "canonicalize,quantize{weights=int8,acts=int8},calibrate"),
        Arguments.of("cnn", "canonicalize,quantize{weights=int4,acts=int8},calibrate"),
        Arguments.of("cnn", "canonicalize,quantize{weights=e4m3,acts=e4m3},calibrate"),
        Arguments.of("mlp", "canonicalize,quantize{weights=e2m1,acts=e3m2},calibrate"),
        // E5M2 weights at max calibration are codes of up to 2^31.8 on their grid.
        Arguments.of("mlp", "canonicalize,quantize{weights=e5m2,acts=int8},calibrate"),
        Arguments.of("cnn", "canonicalize,quantize{weights=mxfp4_e2m1,acts=int8},calibrate"),
        Arguments.of("cnn", "canonicalize,quantize{weights=mxfp8_e4m3,acts=mxfp8_e4m3}"),
        Arguments.of("mlp", "canonicalize,quantize{weights=bfp8b16,acts=bfp6b16}"),
        Arguments.of("mlp", "canonicalize,sparsify{n=2,m=4},quantize{weights=int8,acts=int8},calibrate"),
        Arguments.of("cnn", "canonicalize,sparsify{n=2,m=4}"),
        Arguments.of("cnn", "canonicalize,sparsify{n=1,m=4},quantize{weights=e4m3,acts=e4m3},calibrate"),
        Arguments.of("vit", "canonicalize,sparsify{n=2,m=4}"),
        Arguments.of("vit", "canonicalize"),
        Arguments.of("vit", "canonicalize,quantize{weights=int8,acts=int8},calibrate"),
        Arguments.of("vit", "canonicalize,quantize{weights=mxfp4_e2m1,acts=mxfp6_e2m3}"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pipelines")
  void bitExactWithTheInterpreter(String model, String pipeline) {
    check(model, pipeline, ModelLowering.Style.LOOPS);
  }

  /** The GPU kernels' element functions, called once per output on the host, are exact too. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pipelines")
  void threadKernelsBitExactWithTheInterpreter(String model, String pipeline) {
    check(model, pipeline, ModelLowering.Style.THREADS);
  }

  private static void check(String model, String pipeline, ModelLowering.Style style) {
    Graph g = BundledModels.model(model, pipeline);
    int images = 37; // two full tiles and a partial one
    FloatTensor x = BundledModels.testSet().batch(0, images);
    Tensor expected = new Interpreter(g).run(List.of(x)).get(0);
    try (JitModel jit = JitModel.compile(g, style)) {
      float[] actual = jit.run(List.of(x.data()), images).get(0);
      assertEquals(expected.size(), actual.length);
      for (int i = 0; i < actual.length; i++) {
        assertEquals(Float.floatToRawIntBits((float) expected.getDouble(i)), Float.floatToRawIntBits(actual[i]), "logit " + i + ": " + expected.getDouble(i) + " vs " + actual[i]);
      }
    }
  }
}
