// qcc bench llvm: LLVM-compiled models, fp32 and quantized, against ONNX Runtime (Java) fp32.
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
import org.qcc.backends.llvm.JitModel;
import org.qcc.backends.llvm.TargetSpec;
import org.qcc.explore.DatasetCalibration;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.simulator.functional.Interpreter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "llvm",
    description = {
      "Throughput of each bundled model compiled by the LLVM backend for this CPU, fp32 and quantized",
      "(int8, int4 weights, e4m3, mxfp4 weights, mxfp8, 2:4 sparse), next to ONNX Runtime (Java, CPU) on the",
      "fp32 model: same images, same JVM, the two timed in turns. Also prints compile time and checks every",
      "LLVM result bit for bit against the golden interpreter."
    },
    footer = {"%nExamples:", "  qcc bench llvm", "  qcc bench llvm --model cnn --batch 256 --seconds 5 --json"})
final class LlvmBenchCommand implements Callable<Integer> {
  /** The configurations timed per model: a label and the pass pipeline producing it. */
  static final List<String[]> CONFIGS =
      List.of(
          new String[] {"fp32", "canonicalize"},
          new String[] {"int8", "canonicalize,quantize{weights=int8,acts=int8},calibrate"},
          new String[] {"int4 weights", "canonicalize,quantize{weights=int4,acts=int8},calibrate"},
          new String[] {"e4m3", "canonicalize,quantize{weights=e4m3,acts=e4m3},calibrate"},
          new String[] {"mxfp4 weights", "canonicalize,quantize{weights=mxfp4_e2m1,acts=int8},calibrate"},
          new String[] {"mxfp8", "canonicalize,quantize{weights=mxfp8_e4m3,acts=mxfp8_e4m3}"},
          new String[] {"2:4 sparse", "canonicalize,sparsify{n=2,m=4}"});

  @Option(names = "--model", split = ",", defaultValue = "mlp,cnn,vit", description = "Bundled models (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(names = "--batch", defaultValue = "256", description = "Images per run (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seconds", defaultValue = "3", description = "Measured time per engine and configuration (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One configuration's timings: its LLVM runs, ONNX Runtime's fp32 runs and the LLVM fp32 runs taken in turns with them. */
  record Row(String model, String config, double compileSeconds, BenchTiming llvm, BenchTiming ort, BenchTiming llvmFp32, boolean bitExact) {}

  @Override
  public Integer call() throws Exception {
    if (batch < 1 || seconds <= 0) {
      throw new ParameterException(spec.commandLine(), "--batch must be at least 1 and --seconds positive");
    }
    FashionMnist data = FashionMnist.locate(Models.home().resolve("data/fashion-mnist-subset"));
    if (batch > data.count()) {
      throw new ParameterException(spec.commandLine(), "--batch " + batch + " exceeds the " + data.count() + " images available");
    }
    FloatTensor images = data.batch(0, batch);
    PrintWriter progress = common.json ? null : spec.commandLine().getErr();
    DatasetCalibration calibration = Models.calibration("fashion-mnist");
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Row> rows = new ArrayList<>();
    long[] shape = Arrays.stream(images.shape()).asLongStream().toArray();
    for (String name : models) {
      Path file = Models.bundled(name);
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
          OrtSession session = env.createSession(file.toString(), options);
          OnnxTensor ortIn = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.data()), shape)) {
        String input = session.getInputNames().iterator().next();
        BenchTiming.Body ort = () -> {
          try (OrtSession.Result r = session.run(Map.of(input, ortIn))) {
            r.get(0);
          }
        };
        Graph base = prepared(file, CONFIGS.get(0), calibration);
        try (JitModel fp32 = JitModel.compile(base)) {
          rows.add(timed(name, CONFIGS.get(0)[0], base, fp32, null, ort, images, progress));
          for (String[] config : CONFIGS.subList(1, CONFIGS.size())) {
            Graph g = prepared(file, config, calibration);
            try (JitModel jit = JitModel.compile(g)) {
              rows.add(timed(name, config[0], g, jit, fp32, ort, images, progress));
            }
          }
        }
      }
    }
    print(rows);
    return rows.stream().allMatch(Row::bitExact) ? Qcc.OK : Qcc.TOOL_FAILED;
  }

  private static Graph prepared(Path file, String[] config, DatasetCalibration calibration) throws Exception {
    Graph g = Models.load(file);
    PassManager.build(PassRegistry.standard(), config[1]).run(g, calibration);
    return g;
  }

  /** {@code jit} (compiled from {@code g}) timed in turns with ONNX Runtime and, unless it is the fp32 model itself ({@code fp32} null), with the LLVM fp32 model. */
  private Row timed(String model, String config, Graph g, JitModel jit, JitModel fp32, BenchTiming.Body ort, FloatTensor images, PrintWriter progress) throws Exception {
    report(progress, model + ": llvm " + config + (fp32 == null ? "" : ", llvm fp32") + " and onnxruntime fp32, in turns");
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(images)).get(0)).data();
    List<float[]> in = List.of(images.data());
    float[] actual = jit.run(in, batch).get(0);
    List<BenchTiming.Body> bodies = new ArrayList<>(List.of(() -> jit.run(in, batch), ort));
    if (fp32 != null) {
      bodies.add(() -> fp32.run(in, batch));
    }
    List<BenchTiming> t = BenchTiming.alternating(seconds, bodies);
    return new Row(model, config, jit.compileSeconds(), t.get(0), t.get(1), t.get(fp32 == null ? 0 : 2), Tensors.sameBits(expected, actual));
  }

  private static void report(PrintWriter progress, String what) {
    if (progress != null) {
      progress.println("bench: " + what);
      progress.flush();
    }
  }

  private void print(List<Row> rows) {
    PrintWriter out = spec.commandLine().getOut();
    int threads = Runtime.getRuntime().availableProcessors();
    TargetSpec host = TargetSpec.host();
    if (common.json) {
      List<Object> list = new ArrayList<>();
      for (Row r : rows) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", r.model());
        o.put("config", r.config());
        o.put("compile_s", r.compileSeconds());
        o.put("llvm_images_per_s", r.llvm().imagesPerSecond(batch));
        o.put("onnxruntime_fp32_images_per_s", r.ort().imagesPerSecond(batch));
        o.put("ratio", r.ort().medianMs() / r.llvm().medianMs());
        o.put("vs_llvm_fp32", r.llvmFp32().medianMs() / r.llvm().medianMs());
        o.put("bit_exact", r.bitExact());
        list.add(o);
      }
      Json.print(out, Map.of("benchmark", "llvm", "batch", batch, "threads", threads, "cpu", host.cpu(), "rows", list));
      return;
    }
    out.printf("LLVM backend (%s, %s) vs ONNX Runtime %s fp32 (CPU), batch %d, %d threads, medians of runs timed in turns%n",
        host.triple(), host.cpu(), OrtEnvironment.getEnvironment().getVersion(), batch, threads);
    out.printf("%-5s %-14s %10s %12s %12s %9s %9s %10s%n", "model", "config", "compile s", "llvm img/s", "ort img/s", "llvm/ort", "vs fp32", "bit-exact");
    for (Row r : rows) {
      out.printf("%-5s %-14s %10.2f %12.0f %12.0f %8.2fx %8.2fx %10s%n", r.model(), r.config(), r.compileSeconds(), r.llvm().imagesPerSecond(batch),
          r.ort().imagesPerSecond(batch), r.ort().medianMs() / r.llvm().medianMs(), r.llvmFp32().medianMs() / r.llvm().medianMs(), r.bitExact() ? "yes" : "NO");
    }
    out.println("llvm/ort: LLVM throughput over ONNX Runtime's on the fp32 model; vs fp32: over the LLVM fp32 model's, timed in the same turns;");
    out.println("bit-exact: LLVM outputs equal the interpreter's bit for bit.");
  }
}
