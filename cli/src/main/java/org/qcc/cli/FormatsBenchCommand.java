// qcc bench formats: quantize-dequantize throughput of qcc's formats next to PyTorch's, same data, same run.
package org.qcc.cli;

import org.qcc.testbenches.ToolException;
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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.qcc.bench.FormatWorkloads;
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

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (runs < 1) {
      throw new ParameterException(spec.commandLine(), "--runs must be at least 1");
    }
    FormatWorkloads workloads = new FormatWorkloads(rows, cols);
    float[] x = workloads.input();
    int n = workloads.elements();
    PrintWriter progress = common.json ? null : spec.commandLine().getErr();
    Map<String, Double> qccSeconds = new LinkedHashMap<>();
    for (Map.Entry<String, Runnable> e : workloads.all().entrySet()) {
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

  private double median(Runnable row) {
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
