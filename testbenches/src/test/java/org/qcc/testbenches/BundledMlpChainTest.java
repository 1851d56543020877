// The bundled Fashion-MNIST MLP as a dataflow accelerator in Verilator, against the golden interpreter.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.passes.CalibrationData;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.functional.Interpreter;

class BundledMlpChainTest extends VerilatorTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  private static final int IMAGES = 100;

  /**
   * The 784-256-128-10 MLP quantized (calibrated on the committed training images), lowered to a
   * chain folded by 16 (784 cycles per image), weights in memories: every logit of the first
   * {@value #IMAGES} test images equals the interpreter's bit for bit, and the unit keeps the
   * folded schedule.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"weights=int8,acts=int8", "weights=int4,acts=int8", "weights=e4m3,acts=e4m3"})
  void logitsEqualTheInterpreter(String formats) {
    Graph g = OnnxImporter.importFile(HOME.resolve("models/fashion_mlp.onnx"));
    FashionMnist train = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset"), FashionMnist.Split.TRAIN);
    CalibrationData calibration = CalibrationData.of("train subset", train.count(), (from, n) -> List.of(train.batch(from, n)));
    PassManager.build(PassRegistry.standard(), "canonicalize,quantize{" + formats + "},calibrate").run(g, calibration);
    FloatTensor x = FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, IMAGES);
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(x)).get(0)).data();

    ChainPlan plan = ChainPlan.of(g, 16, 16);
    int pixels = 784;
    List<int[]> vectors = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      vectors.add(plan.inputCodes(Arrays.copyOfRange(x.data(), i * pixels, (i + 1) * pixels)));
    }
    MatrixVectorBench.Run run = MatrixVectorBench.chain(work.resolve(formats.replaceAll("[^a-z0-9]", "_")), plan.hardware()).run(vectors);
    for (int i = 0; i < IMAGES; i++) {
      for (int c = 0; c < 10; c++) {
        DotProductBench.Result s = run.outputs().get(i).get(c);
        float want = expected[i * 10 + c];
        float got = plan.output(c, s.rounded());
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), "image " + i + " logit " + c + ": " + want + " vs " + got);
      }
    }
    // fc1 sets the pace: (256 / 16) * (784 / 16) cycles per image, plus the pipeline's fill.
    long schedule = (long) IMAGES * 16 * 49;
    assertEquals(schedule, run.cycles(), schedule / 50.0, "cycles");
  }
}
