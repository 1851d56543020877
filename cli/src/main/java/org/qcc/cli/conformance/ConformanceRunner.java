// Runs ONNX backend test cases (model.onnx + test_data_set_*) through import and the interpreter.
package org.qcc.cli.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.qcc.cli.conformance.CaseResult.Status;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.frontend.onnx.TensorProtos;
import org.qcc.frontend.onnx.proto.Onnx.TensorProto;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/**
 * Compares qcc with the expected outputs of ONNX's backend test data, with the tolerances
 * ONNX's own runner uses for fp32 (rtol 1e-3, atol 1e-5); integers and booleans must match.
 */
public final class ConformanceRunner {
  /** Debian's libonnx-testdata. */
  public static final Path DEBIAN = Path.of("/usr/share/libonnx-testdata/data");

  public static final List<String> SUITES = List.of("node", "pytorch-operator", "pytorch-converted", "simple");
  static final double RTOL = 1e-3;
  static final double ATOL = 1e-5;
  private static final long CASE_TIMEOUT_S = 120;

  /** Cases of ONNX 1.12's data that are wrong themselves; qcc follows the spec instead. */
  static final java.util.Map<String, String> BAD_DATA =
      java.util.Map.of(
          "test_cast_FLOAT_to_BFLOAT16",
          "expected output truncates to bf16; the spec (and qcc) round to nearest even",
          "test_castlike_FLOAT_to_BFLOAT16",
          "input 'like' is declared [3,4] but stored as [1]",
          "test_castlike_FLOAT_to_BFLOAT16_expanded",
          "input 'like' is declared [3,4] but stored as [1]",
          "test_castlike_BFLOAT16_to_FLOAT",
          "input 'like' is declared [3,4] but stored as [1]",
          "test_castlike_BFLOAT16_to_FLOAT_expanded",
          "input 'like' is declared [3,4] but stored as [1]");

  private ConformanceRunner() {}

  /** Case folders under {@code root}: either suite folders (node, simple, ...) or cases directly. */
  public static List<Path> cases(Path root) throws IOException {
    List<Path> out = new ArrayList<>();
    if (Files.isRegularFile(root.resolve("model.onnx"))) {
      out.add(root);
      return out;
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.sorted().toList()) {
        if (Files.isRegularFile(p.resolve("model.onnx"))) {
          out.add(p);
        } else if (Files.isDirectory(p)) {
          out.addAll(cases(p));
        }
      }
    }
    return out;
  }

  /** Runs one case with a time limit, so a pathological case cannot hang the run. */
  public static CaseResult run(Path dir) {
    String suite = dir.getParent() == null ? "" : dir.getParent().getFileName().toString();
    String name = dir.getFileName().toString();
    if (BAD_DATA.containsKey(name)) {
      return new CaseResult(suite, name, Status.BAD_DATA, BAD_DATA.get(name));
    }
    ExecutorService ex = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "conformance-" + name);
      t.setDaemon(true);
      return t;
    });
    try {
      Future<CaseResult> f = ex.submit(() -> runNow(dir, suite, name));
      return f.get(CASE_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return new CaseResult(suite, name, Status.FAIL, "timed out after " + CASE_TIMEOUT_S + " s");
    } catch (ExecutionException e) {
      return new CaseResult(suite, name, Status.FAIL, "crash: " + e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new CaseResult(suite, name, Status.FAIL, "interrupted");
    } finally {
      ex.shutdownNow();
    }
  }

  private static CaseResult runNow(Path dir, String suite, String name) throws IOException {
    Graph g;
    try {
      g = OnnxImporter.importFile(dir.resolve("model.onnx"));
    } catch (DiagnosticException e) {
      String m = e.getMessage();
      boolean unsupported = m.contains("unsupported") || m.contains("not supported");
      return new CaseResult(suite, name, unsupported ? Status.UNSUPPORTED : Status.FAIL, shorten(m, dir));
    }
    Interpreter interp;
    try {
      interp = new Interpreter(g);
    } catch (DiagnosticException e) {
      return new CaseResult(suite, name, Status.UNSUPPORTED, shorten(e.getMessage(), dir));
    }
    List<Path> sets;
    try (Stream<Path> s = Files.list(dir)) {
      sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
    }
    if (sets.isEmpty()) {
      return new CaseResult(suite, name, Status.UNSUPPORTED, "no test data sets");
    }
    for (Path set : sets) {
      List<Tensor> inputs = new ArrayList<>();
      for (int i = 0; Files.exists(set.resolve("input_" + i + ".pb")); i++) {
        try {
          Tensor t = load(set.resolve("input_" + i + ".pb"));
          inputs.add(i < g.inputs().size() ? asFormat(t, g.inputs().get(i).type().format()) : t);
        } catch (DiagnosticException e) {
          return new CaseResult(suite, name, Status.UNSUPPORTED, shorten(e.getMessage(), dir));
        }
      }
      List<Tensor> actual;
      try {
        actual = interp.run(inputs);
      } catch (DiagnosticException e) {
        boolean unsupported = e.getMessage().contains("not supported");
        return new CaseResult(suite, name, unsupported ? Status.UNSUPPORTED : Status.FAIL, shorten(e.getMessage(), dir));
      }
      for (int i = 0; i < actual.size(); i++) {
        Path expectedFile = set.resolve("output_" + i + ".pb");
        if (!Files.exists(expectedFile)) {
          break;
        }
        Tensor expected;
        try {
          expected = asFormat(load(expectedFile), g.outputs().get(i).type().format());
        } catch (DiagnosticException e) {
          return new CaseResult(suite, name, Status.UNSUPPORTED, shorten(e.getMessage(), dir));
        }
        String diff = compare(expected, actual.get(i));
        if (diff != null) {
          return new CaseResult(suite, name, Status.FAIL, set.getFileName() + " output " + i + ": " + diff);
        }
      }
    }
    return new CaseResult(suite, name, Status.PASS, "");
  }

  private static String shorten(String m, Path dir) {
    return m.replace(dir.resolve("model.onnx").toString() + ": ", "");
  }

  static Tensor load(Path pb) throws IOException {
    return TensorProtos.decode(TensorProto.parseFrom(Files.readAllBytes(pb)), null, pb.toString());
  }

  /**
   * ONNX 1.12's test data stores bfloat16 tensors as uint16 bit patterns; reinterpret them
   * when the model says bf16.
   */
  static Tensor asFormat(Tensor t, org.qcc.ir.formats.ElementFormat f) {
    if (f.equals(org.qcc.ir.formats.FloatFormat.BF16) && t.format().equals(org.qcc.ir.formats.IntFormat.UINT16)) {
      Tensor out = Tensor.zeros(f, t.shape());
      for (int i = 0; i < t.size(); i++) {
        out.setDouble(i, org.qcc.ir.formats.Bf16.toFloat((short) t.getLong(i)));
      }
      return out;
    }
    return t;
  }

  /** Null when equal within tolerance, else what differs. */
  public static String compare(Tensor expected, Tensor actual) {
    if (!expected.format().equals(actual.format())) {
      return "format " + actual.format().name() + ", expected " + expected.format().name();
    }
    if (!java.util.Arrays.equals(expected.shape(), actual.shape())) {
      return "shape " + java.util.Arrays.toString(actual.shape()) + ", expected " + java.util.Arrays.toString(expected.shape());
    }
    boolean fp = expected.format().isFloatingPoint();
    for (int i = 0; i < expected.size(); i++) {
      if (fp) {
        double e = expected.getDouble(i);
        double a = actual.getDouble(i);
        if (Double.isNaN(e) && Double.isNaN(a) || e == a) {
          continue;
        }
        if (!(Math.abs(a - e) <= ATOL + RTOL * Math.abs(e))) {
          return "element " + i + " is " + a + ", expected " + e;
        }
      } else if (expected.getLong(i) != actual.getLong(i)) {
        return "element " + i + " is " + actual.getLong(i) + ", expected " + expected.getLong(i);
      }
    }
    return null;
  }
}
