// qcc bench interp: the golden interpreter against ONNX Runtime (Java) on the bundled models.
package org.qcc.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.simulator.functional.Interpreter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "interp",
    description = {
      "Throughput of the golden fp32 interpreter next to ONNX Runtime (Java, CPU provider) on the",
      "bundled models, same images, same JVM, same run; also checks that their outputs agree."
    },
    footer = {"%nExamples:", "  qcc bench interp", "  qcc bench interp --model vit --batch 32 --seconds 5 --json"})
final class InterpBenchCommand implements Callable<Integer> {
  @Option(names = "--model", split = ",", defaultValue = "mlp,cnn,vit", description = "Bundled models to run (default: mlp,cnn,vit).")
  List<String> models;

  @Option(names = "--batch", defaultValue = "100", description = "Images per run (default: 100).")
  int batch;

  @Option(names = "--seconds", defaultValue = "3", description = "Measured time per engine and model (default: 3).")
  double seconds;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One model's row of the table. */
  record Row(String model, int batch, BenchTiming qcc, BenchTiming ort, double maxAbsDiff, int argmaxAgree) {
    double ratio() {
      return ort.medianMs() / qcc.medianMs();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || seconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--batch must be at least 1 and --seconds positive");
    }
    Path home = Models.home();
    FashionMnist data = FashionMnist.locate(home.resolve("data/fashion-mnist-subset"));
    if (batch > data.count()) {
      throw new ParameterException(spec.commandLine(), "--batch " + batch + " exceeds the " + data.count() + " images available");
    }
    FloatTensor images = data.batch(0, batch);
    PrintWriter progress = common.json ? null : spec.commandLine().getErr();
    List<Row> rows = new ArrayList<>();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    for (String name : models) {
      rows.add(benchModel(env, name, Models.bundled(name), images, progress));
    }
    print(rows);
    return Qcc.OK;
  }

  private Row benchModel(OrtEnvironment env, String name, Path file, FloatTensor images, PrintWriter progress) throws Exception {
    Graph g = Models.load(file);
    Interpreter interp = new Interpreter(g);
    String input = g.inputs().get(0).name();
    long[] shape = Arrays.stream(images.shape()).asLongStream().toArray();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(file.toString(), options);
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.data()), shape)) {
      float[] ours = ((FloatTensor) interp.run(List.of(images)).get(0)).data();
      float[] theirs;
      try (OrtSession.Result r = session.run(Map.of(input, in))) {
        theirs = flatten((float[][]) r.get(0).getValue());
      }
      report(progress, name + ": qcc");
      BenchTiming qcc = BenchTiming.measure(seconds, () -> interp.run(List.of(images)));
      report(progress, name + ": onnxruntime");
      BenchTiming ort =
          BenchTiming.measure(
              seconds,
              () -> {
                try (OrtSession.Result r = session.run(Map.of(input, in))) {
                  r.get(0);
                }
              });
      return new Row(name, batch, qcc, ort, maxAbsDiff(ours, theirs), argmaxAgreement(ours, theirs, batch));
    }
  }

  static float[] flatten(float[][] rows) {
    int cols = rows[0].length;
    float[] out = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, out, i * cols, cols);
    }
    return out;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }

  static int argmaxAgreement(float[] a, float[] b, int n) {
    int classes = a.length / n;
    int agree = 0;
    for (int i = 0; i < n; i++) {
      if (argmax(a, i * classes, classes) == argmax(b, i * classes, classes)) {
        agree++;
      }
    }
    return agree;
  }

  private static int argmax(float[] v, int from, int n) {
    int best = 0;
    for (int c = 1; c < n; c++) {
      if (v[from + c] > v[from + best]) {
        best = c;
      }
    }
    return best;
  }

  private static void report(PrintWriter progress, String what) {
    if (progress != null) {
      progress.println("bench: timing " + what);
      progress.flush();
    }
  }

  private void print(List<Row> rows) {
    PrintWriter out = spec.commandLine().getOut();
    int threads = Runtime.getRuntime().availableProcessors();
    if (common.json) {
      List<Object> list = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", r.model());
        o.put("batch", r.batch());
        o.put("qcc_ms", r.qcc().medianMs());
        o.put("qcc_images_per_s", r.qcc().imagesPerSecond(r.batch()));
        o.put("onnxruntime_ms", r.ort().medianMs());
        o.put("onnxruntime_images_per_s", r.ort().imagesPerSecond(r.batch()));
        o.put("ratio", r.ratio());
        o.put("max_abs_diff", r.maxAbsDiff());
        o.put("argmax_agree", r.argmaxAgree());
        list.add(o);
      }
      Json.print(out, Map.of("benchmark", "interp", "threads", threads, "rows", list));
      return;
    }
    out.printf("golden interpreter vs ONNX Runtime %s (CPU, %d threads available), median of timed runs%n", OrtEnvironment.getEnvironment().getVersion(), threads);
    out.printf("%-6s %6s %12s %12s %12s %12s %10s %12s %8s%n", "model", "batch", "qcc ms", "qcc img/s", "ort ms", "ort img/s", "qcc/ort", "max |diff|", "argmax");
    for (Row r : rows) {
      out.printf("%-6s %6d %12.2f %12.0f %12.2f %12.0f %9.3fx %12.2e %4d/%-4d%n",
          r.model(), r.batch(), r.qcc().medianMs(), r.qcc().imagesPerSecond(r.batch()), r.ort().medianMs(), r.ort().imagesPerSecond(r.batch()),
          r.ratio(), r.maxAbsDiff(), r.argmaxAgree(), r.batch());
    }
    out.println("qcc/ort is throughput relative to ONNX Runtime: above 1 means the interpreter is faster.");
  }
}
