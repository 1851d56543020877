// qcc sim --verilator: a compiled design folder in Verilator, every output checked against the golden interpreter.
package org.qcc.testbenches;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.qcc.backends.rtl.ChainPlan;
import org.qcc.backends.rtl.Manifest;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.text.QirParser;
import org.qcc.simulator.cycle.CycleSimulator;

/**
 * Co-simulates the design in a folder written by {@code qcc compile --target rtl}: builds its
 * SystemVerilog with a harness in {@code DIR/sim}, quantizes the folder's test images on the host
 * as the graph's input quantizer does, streams them through the layer chain with the output always
 * ready (after the weights it loads at start-up, whose cycles do not count), turns the last layer's exact sums into outputs with the graph's own arithmetic, and
 * compares every output with the golden interpreter's, bit for bit.
 */
public final class ChainCosimulation {
  private ChainCosimulation() {}

  /** An output that differs from the golden model's. */
  public record Mismatch(int image, int output, float expected, float actual) {}

  /**
   * The outcome: images and outputs checked, how many differed and the first few of them, cycles in
   * all, the first image's latency, the seconds Verilator took to build and the simulation to run,
   * and the cycle-level model's run of the same images.
   */
  public record Report(String name, int images, int outputs, int mismatchCount, List<Mismatch> firstMismatches, long cycles, long latency, double buildSeconds, double simSeconds, CycleSimulator.Run model) {
    /** Whether the cycle-level model counts the cycles and the latency Verilator counted. */
    public boolean modelAgrees() {
      return model.cycles() == cycles && model.latency() == latency;
    }

    /** The steady state's cycles between one image's last output and the next's (the latency for one image). */
    public double cyclesPerImage() {
      return images == 1 ? latency : (cycles - latency) / (double) (images - 1);
    }

    public boolean bitExact() {
      return mismatchCount == 0;
    }
  }

  private static final int MISMATCHES_KEPT = 10;

  /**
   * Runs the first {@code images} test images of design folder {@code dir} (0: all of them); with
   * {@code trace}, writes the VCD waveform of the whole run there. {@code progress} hears when the
   * slow part, building the model, starts.
   */
  public static Report run(Path dir, int images, Path trace, Consumer<String> progress) {
    Design d = load(dir, images);
    Manifest m = d.manifest();
    Manifest.Vectors v = m.vectors();
    int count = d.codes().size();
    ChainPlan plan = d.plan();
    List<int[]> vectors = d.codes();
    float[] expected = d.expected();
    List<ChainPlan.Layer> layers = plan.layers();
    ChainPlan.Layer first = layers.get(0);
    ChainPlan.Layer last = layers.get(layers.size() - 1);
    progress.accept("building the Verilator model of " + dir + " (a minute or two for a large design)");
    long start = System.nanoTime();
    List<Path> sources = m.sources().stream().map(dir::resolve).toList();
    MatrixVectorBench bench = MatrixVectorBench.design(dir, dir.resolve("sim"), m.top(), sources, last.rows(), last.pe(), first.simd(), last.exact().accumulator().bits(), m.loadBytes(dir), trace != null);
    double built = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    MatrixVectorBench.Run run = bench.run(vectors, false);
    double simulated = (System.nanoTime() - start) / 1e9;
    if (trace != null) {
      move(dir.resolve(Verilator.TRACE_FILE), trace);
    }

    int mismatches = 0;
    List<Mismatch> kept = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      for (int c = 0; c < v.outputs(); c++) {
        float want = expected[i * v.outputs() + c];
        float got = plan.output(c, run.outputs().get(i).get(c).rounded());
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got) && mismatches++ < MISMATCHES_KEPT) {
          kept.add(new Mismatch(i, c, want, got));
        }
      }
    }
    CycleSimulator.Run model = CycleSimulator.run(plan.dataflow(), count, false);
    return new Report(m.name(), count, count * v.outputs(), mismatches, kept, run.cycles(), run.latency(), built, simulated, model);
  }

  /** A design folder read back: its manifest, its chain, the input codes of the images asked for, and the golden outputs of all its images. */
  record Design(Manifest manifest, ChainPlan plan, List<int[]> codes, float[] expected) {}

  /** The design in {@code dir}, with the codes of its first {@code images} test images (0: all), checked against its manifest. */
  static Design load(Path dir, int images) {
    Manifest m = Manifest.read(dir);
    Manifest.Vectors v = m.vectors();
    if (images < 0 || images > v.images()) {
      throw new DiagnosticException(dir.toString(), "the design has " + v.images() + " test images, " + images + " were asked for (recompile with --vectors)");
    }
    int count = images == 0 ? v.images() : images;
    Graph g = QirParser.parse(read(dir, m.graph()), m.graph());
    ChainPlan plan = ChainPlan.of(g, m.maxPe(), m.maxSimd(), m.targetCycles(), m.spram());
    List<ChainPlan.Layer> layers = plan.layers();
    boolean same = layers.size() == m.layers().size() && plan.inputSize() == v.inputs() && layers.get(layers.size() - 1).rows() == v.outputs();
    for (int i = 0; same && i < layers.size(); i++) {
      same = layers.get(i).pe() == m.layers().get(i).pe() && layers.get(i).simd() == m.layers().get(i).simd();
    }
    if (!same) {
      throw new DiagnosticException(dir.resolve(m.graph()).toString(), "does not match the manifest " + m.name() + ".json (recompile the design)");
    }
    float[] inputs = floats(dir, v.inputFile(), (long) v.images() * v.inputs());
    float[] expected = floats(dir, v.expectedFile(), (long) v.images() * v.outputs());
    List<int[]> codes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      codes.add(plan.inputCodes(Arrays.copyOfRange(inputs, i * v.inputs(), (i + 1) * v.inputs())));
    }
    return new Design(m, plan, codes, expected);
  }

  private static String read(Path dir, String file) {
    try {
      return Files.readString(dir.resolve(file));
    } catch (IOException e) {
      throw new DiagnosticException(dir.resolve(file).toString(), "cannot read the design's file: " + e.getMessage());
    }
  }

  /** A raw little-endian fp32 file of exactly {@code values} values. */
  private static float[] floats(Path dir, String file, long values) {
    Path f = dir.resolve(file);
    byte[] b;
    try {
      b = Files.readAllBytes(f);
    } catch (IOException e) {
      throw new DiagnosticException(f.toString(), "cannot read the test vectors: " + e.getMessage());
    }
    if (b.length != values * Float.BYTES) {
      throw new DiagnosticException(f.toString(), "holds " + b.length + " bytes, the manifest promises " + values + " fp32 values");
    }
    float[] out = new float[(int) values];
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static void move(Path from, Path to) {
    try {
      Path parent = to.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new ToolException("cannot move the trace to " + to + ": " + e.getMessage());
    }
  }
}
