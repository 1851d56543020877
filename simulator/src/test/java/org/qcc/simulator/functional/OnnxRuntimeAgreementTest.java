// The interpreter agrees with ONNX Runtime on the bundled models over real test images.
package org.qcc.simulator.functional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;

class OnnxRuntimeAgreementTest {
  private static final int IMAGES = 64;

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "vit"})
  void logitsMatchOnnxRuntime(String name) throws Exception {
    Path home = Path.of(System.getProperty("qcc.home", ".."));
    Path model = home.resolve("models/fashion_" + name + ".onnx");
    FashionMnist data = FashionMnist.load(home.resolve("data/fashion-mnist-subset"));
    FloatTensor images = data.batch(0, IMAGES);
    Graph g = OnnxImporter.importFile(model);
    Tensor ours = new Interpreter(g).run(List.of(images)).get(0);

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[] ref;
    try (OrtSession s = env.createSession(model.toString(), new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.data()), new long[] {IMAGES, 1, 28, 28});
        OrtSession.Result r = s.run(Map.of("input", in))) {
      float[][] out = (float[][]) r.get(0).getValue();
      ref = new float[IMAGES * out[0].length];
      for (int i = 0; i < IMAGES; i++) {
        System.arraycopy(out[i], 0, ref, i * out[i].length, out[i].length);
      }
    }
    assertEquals(ref.length, ours.size());
    double maxErr = 0;
    for (int i = 0; i < ref.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(ref[i] - ours.getDouble(i)) / (1 + Math.abs(ref[i])));
      if (i % 10 == 0) {
        int oursArg = argmax(ours, i / 10);
        int refArg = argmaxRef(ref, i / 10);
        assertEquals(refArg, oursArg, "image " + i / 10);
      }
    }
    assertTrue(maxErr < 1e-4, "max relative error " + maxErr);
  }

  private static int argmax(Tensor t, int row) {
    int best = 0;
    for (int c = 1; c < 10; c++) {
      if (t.getDouble(row * 10 + c) > t.getDouble(row * 10 + best)) {
        best = c;
      }
    }
    return best;
  }

  private static int argmaxRef(float[] r, int row) {
    int best = 0;
    for (int c = 1; c < 10; c++) {
      if (r[row * 10 + c] > r[row * 10 + best]) {
        best = c;
      }
    }
    return best;
  }
}
