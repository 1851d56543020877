// qcc bench formats: quantize-dequantize throughput of qcc's formats next to PyTorch's, same data, same run.
package org.qcc.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.qcc.ir.formats.BlockFloat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Microscaling;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScaleFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "formats",
    description = {
      "Elements per second of quantize-dequantize for INT8 per tensor, INT4 per channel, E4M3, E2M1,",
      "BFP8 and MXFP4 on one large random tensor, next to PyTorch (Debian python3-torch:",
      "fake_quantize_per_tensor/per_channel_affine, the float8 cast, and minifloat/block",
      "emulation with torch ops) on the same data in the same run."
    },
    footer = {"%nExamples:", "  qcc bench formats", "  qcc bench formats --rows 1024 --runs 3 --peer none --json"})
final class FormatsBenchCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "4096", description = "Rows of the [rows, cols] tensor (default: 4096).")
  int rows;

  @Option(names = "--cols", defaultValue = "4096", description = "Columns, a multiple of 32 (default: 4096).")
  int cols;

  @Option(names = "--runs", defaultValue = "5", description = "Timed runs per row after one warm-up; the median counts (default: 5).")
  int runs;

  @Option(names = "--peer", defaultValue = "/usr/bin/python3", description = "Python with torch (Debian python3-torch) for the peer rows, or 'none' (default: /usr/bin/python3).")
  String peer;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private interface Row {
    void run();
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (rows < 1 || cols < 32 || cols % 32 != 0 || runs < 1) {
      throw new ParameterException(spec.commandLine(), "--rows must be positive, --cols a positive multiple of 32, --runs at least 1");
    }
    int n = Math.multiplyExact(rows, cols);
    float[] x = data(n);
    int[] shape = {rows, cols};
    float[] out = new float[n];
    Map<String, Row> qccRows = new LinkedHashMap<>();
    qccRows.put("int8-tensor", scalar(IntFormat.INT8, Granularity.TENSOR, x, shape, out));
    qccRows.put("int4-channel", scalar(new IntFormat(4, true, false), new Granularity.PerChannel(0), x, shape, out));
    qccRows.put("e4m3-tensor", scalar(Minifloat.FP8_E4M3, Granularity.TENSOR, x, shape, out));
    qccRows.put("e2m1-tensor", scalar(Minifloat.FP4_E2M1, Granularity.TENSOR, x, shape, out));
    qccRows.put("bfp8b16", () -> BlockQuantizer.fakeQuantize(new BlockFloat(8, 16, 8), x, shape, 1, Rounding.NEAREST_EVEN, 0, out));
    qccRows.put("mxfp4_e2m1", () -> BlockQuantizer.fakeQuantize(Microscaling.MXFP4_E2M1, x, shape, 1, Rounding.NEAREST_EVEN, 0, out));
    PrintWriter progress = common.json ? null : spec.commandLine().getErr();
    Map<String, Double> qccSeconds = new LinkedHashMap<>();
    for (Map.Entry<String, Row> e : qccRows.entrySet()) {
      if (progress != null) {
        progress.println("bench: qcc " + e.getKey());
        progress.flush();
      }
      qccSeconds.put(e.getKey(), median(e.getValue()));
    }
    Map<String, Double> torchSeconds = peer.equals("none") ? Map.of() : torch(x, progress);
    print(n, qccSeconds, torchSeconds);
    return Qcc.OK;
  }

  /** A per-tensor or per-channel scalar row with scales fixed beforehand, as the peer's are. */
  private static Row scalar(org.qcc.ir.formats.ScalarFormat f, Granularity g, float[] x, int[] shape, float[] out) {
    Quantizer q = new Quantizer(f, g, ScaleFormat.FP32);
    float[] scales = q.scales(x, shape);
    return () -> q.fakeQuantize(x, shape, scales, Rounding.NEAREST_EVEN, 0, out);
  }

  /** Gaussian values with per-row magnitudes spread over a few orders, like weights. */
  private float[] data(int n) {
    Random r = new Random(20261123);
    float[] x = new float[n];
    for (int row = 0; row < rows; row++) {
      double s = Math.exp(r.nextGaussian());
      for (int c = 0; c < cols; c++) {
        x[row * cols + c] = (float) (r.nextGaussian() * s);
      }
    }
    return x;
  }

  private double median(Row row) {
    row.run();
    double[] t = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      row.run();
      t[i] = (System.nanoTime() - t0) / 1e9;
    }
    java.util.Arrays.sort(t);
    return t[runs / 2];
  }

  private Map<String, Double> torch(float[] x, PrintWriter progress) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("qcc-bench-");
    try {
      Path data = dir.resolve("x.f32");
      ByteBuffer b = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(x);
      Files.write(data, b.array());
      Path script = dir.resolve("bench_formats_torch.py");
      try (InputStream in = FormatsBenchCommand.class.getResourceAsStream("bench_formats_torch.py")) {
        Files.copy(in, script);
      }
      if (progress != null) {
        progress.println("bench: torch (" + peer + ")");
        progress.flush();
      }
      Process p =
          new ProcessBuilder(peer, script.toString(), data.toString(), Integer.toString(x.length), Integer.toString(rows), Integer.toString(cols), Integer.toString(runs))
              .redirectErrorStream(true)
              .start();
      Map<String, Double> seconds = new LinkedHashMap<>();
      List<String> lines = new ArrayList<>();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
          String[] f = line.trim().split(" ");
          if (f.length == 2 && f[1].matches("[0-9.eE+-]+")) {
            seconds.put(f[0], Double.parseDouble(f[1]));
          }
        }
      }
      if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        String last = lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
        throw new ToolException("the PyTorch peer failed (" + peer + "): " + last + " (install Debian's python3-torch, or pass --peer none)");
      }
      return seconds;
    } catch (IOException e) {
      throw new ToolException("cannot run the PyTorch peer '" + peer + "': " + e.getMessage() + " (install Debian's python3-torch, or pass --peer none)");
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private void print(int n, Map<String, Double> qcc, Map<String, Double> torch) {
    PrintWriter out = spec.commandLine().getOut();
    int threads = Runtime.getRuntime().availableProcessors();
    if (common.json) {
      List<Object> list = new ArrayList<>();
      qcc.forEach(
          (row, s) -> {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("row", row);
            o.put("qcc_elements_per_s", n / s);
            Double t = torch.get(row);
            o.put("torch_elements_per_s", t == null ? null : n / t);
            o.put("ratio", t == null ? null : t / s);
            list.add(o);
          });
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("benchmark", "formats");
      o.put("elements", n);
      o.put("threads", threads);
      o.put("rows", list);
      Json.print(out, o);
      return;
    }
    out.printf("quantize-dequantize of %d fp32 elements ([%d, %d]), median of %d runs, %d threads available%n", n, rows, cols, runs, threads);
    out.printf("%-14s %16s %16s %10s%n", "row", "qcc Melem/s", "torch Melem/s", "qcc/torch");
    qcc.forEach(
        (row, s) -> {
          Double t = torch.get(row);
          out.printf("%-14s %16.1f %16s %10s%n", row, n / s / 1e6, t == null ? "-" : String.format("%.1f", n / t / 1e6), t == null ? "-" : String.format("%.2fx", t / s));
        });
    out.println("qcc/torch above 1 means qcc is faster.");
  }
}
