// The JIT-compiled bundled models against the golden interpreter, bit for bit.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

class JitModelTest {
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = ';',
      value = {
        "mlp;canonicalize",
        "cnn;canonicalize",
        "mlp;canonicalize,quantize{weights=int8,acts=int8},calibrate",
        "cnn;canonicalize,quantize{weights=int4,acts=int8},calibrate",
        "cnn;canonicalize,quantize{weights=e4m3,acts=e4m3},calibrate",
        "mlp;canonicalize,quantize{weights=e2m1,acts=e3m2},calibrate",
        "cnn;canonicalize,quantize{weights=mxfp4_e2m1,acts=int8},calibrate",
        "mlp;canonicalize,sparsify{n=2,m=4},quantize{weights=int8,acts=int8},calibrate",
      })
  void bitExactWithTheInterpreter(String model, String pipeline) {
    Graph g = BundledModels.model(model, pipeline);
    int images = 37; // two full tiles and a partial one
    FloatTensor x = BundledModels.testSet().batch(0, images);
    Tensor expected = new Interpreter(g).run(List.of(x)).get(0);
    try (JitModel jit = JitModel.compile(g)) {
      float[] actual = jit.run(List.of(x.data()), images).get(0);
      assertEquals(expected.size(), actual.length);
      for (int i = 0; i < actual.length; i++) {
        assertEquals(Float.floatToRawIntBits((float) expected.getDouble(i)), Float.floatToRawIntBits(actual[i]), "logit " + i + ": " + expected.getDouble(i) + " vs " + actual[i]);
      }
    }
  }
}
