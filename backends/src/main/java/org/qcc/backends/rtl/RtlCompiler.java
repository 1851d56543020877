// qcc compile --target rtl: a quantized network as SystemVerilog, weight memories, a manifest and test vectors.
package org.qcc.backends.rtl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.qcc.backends.BackendException;
import org.qcc.hw.ChainLayer;
import org.qcc.hw.HwGenerators;
import org.qcc.hw.LogitArithmetic;
import org.qcc.ir.Dim;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.text.QirPrinter;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.simulator.functional.Interpreter;

/**
 * Writes the design folder: {@code NAME.sv} (the layer chain, top module {@code LayerChain}),
 * {@code weights/layerI_peP.hex} (its weight memories, loaded by {@code $readmemh} under {@code
 * ENABLE_INITIAL_MEM_}, named relative to the folder), {@code weights/load.bin} (where weights sit
 * in single-port RAMs: the bytes the chain's load stream takes at start-up), {@code NAME.qir} (the graph the design
 * implements, whose host ends quantize inputs and dequantize outputs), {@code vectors/inputs.f32} and
 * {@code vectors/expected.f32} (raw little-endian fp32 test vectors and the golden interpreter's
 * outputs for them), where the chain can be a serial classifier ({@link ChainPlan#logits}) {@code
 * NAME_icebreaker.v} and {@code NAME_icebreaker.pcf} (its top level and pins on the iCEBreaker
 * board; the classifier itself is in {@code NAME.sv}), {@code NAME_vivado.tcl} (a Vivado batch flow) and {@code NAME.json}, the
 * manifest: per layer its shape, formats, folding, accumulator and cycles per image. An earlier
 * design's SystemVerilog and weight files go first, and the new SystemVerilog is written last, to
 * a temporary name first, so a failed run never leaves a complete-looking design.
 */
public final class RtlCompiler {
  private RtlCompiler() {}

  /** The weights the design loads at start-up, under {@code weights/}: its load stream's bytes. */
  private static final String LOAD_FILE = "load.bin";

  /**
   * What was written, the lowered chain, its pace, its board top level (or why there is none), and
   * the layers whose weights the design loads at start-up.
   */
  public record Result(List<Path> files, ChainPlan plan, long cyclesPerImage, Manifest.Board board, List<String> loadedLayers) {}

  /**
   * Compiles {@code g} into {@code dir}, folded by at most {@code maxPe} and {@code maxSimd} (and,
   * given {@code targetCycles} above 0, with the fewest multipliers that meet it; see {@link
   * ChainPlan#of(Graph, int, int, long)}), with
   * test vectors from {@code testImages}: given the values one image holds, whole images of the
   * graph's input, row-major.
   */
  public static Result write(Graph g, Path dir, String name, int maxPe, int maxSimd, long targetCycles, IntFunction<float[]> testImages) {
    return write(g, dir, name, maxPe, maxSimd, targetCycles, IceBreaker.DEFAULT_BAUD, 0, testImages);
  }

  /**
   * As {@link #write(Graph, Path, String, int, int, long, IntFunction)}, with the board's serial
   * line at {@code baud} and the largest layers' weights in up to {@code spram} single-port RAMs
   * ({@link WeightPlacement}), loaded at start-up from {@code weights/load.bin}'s bytes.
   */
  public static Result write(Graph g, Path dir, String name, int maxPe, int maxSimd, long targetCycles, int baud, int spram, IntFunction<float[]> testImages) {
    int divider = IceBreaker.divider(baud);
    ChainPlan plan = ChainPlan.of(g, maxPe, maxSimd, targetCycles, spram);
    int perImage = plan.inputSize();
    float[] images = testImages.apply(perImage);
    if (images.length == 0 || images.length % perImage != 0) {
      throw new IllegalArgumentException(images.length + " test values are not whole images of " + perImage);
    }
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(dir.resolve(name + ".sv"));
      Files.deleteIfExists(dir.resolve(name + "_icebreaker.v"));
      if (Files.isDirectory(dir.resolve("weights"))) {
        try (Stream<Path> old = Files.list(dir.resolve("weights"))) {
          for (Path f : old.filter(f -> f.toString().endsWith(".hex") || f.getFileName().toString().equals(LOAD_FILE)).toList()) {
            Files.delete(f);
          }
        }
      }
      List<Path> files = new ArrayList<>();
      ChainLayer[] hardware = plan.hardware();
      String sv;
      Manifest.Board board;
      LogitArithmetic logits = null;
      String unavailable = null;
      try {
        logits = plan.logits();
      } catch (BackendException e) {
        unavailable = e.getMessage();
      }
      if (logits != null) {
        sv = HwGenerators.uartClassifier(hardware, dir, logits, divider);
        Path top = dir.resolve(name + "_icebreaker.v");
        Path pins = dir.resolve(name + "_icebreaker.pcf");
        Files.writeString(top, IceBreaker.top("UartClassifier"));
        Files.writeString(pins, IceBreaker.pins());
        files.add(top);
        files.add(pins);
        board = new Manifest.Board("icebreaker", IceBreaker.TOP, dir.relativize(top).toString(), dir.relativize(pins).toString(), IceBreaker.CLOCK_HZ, baud, null);
      } else {
        sv = HwGenerators.layerChain(hardware, dir);
        board = new Manifest.Board("icebreaker", null, null, null, IceBreaker.CLOCK_HZ, baud, unavailable);
      }
      Path qir = dir.resolve(name + ".qir");
      Files.writeString(qir, QirPrinter.print(g));
      files.add(qir);
      int count = images.length / perImage;
      FloatTensor x = new FloatTensor(FloatFormat.FP32, inputShape(g, count, perImage), images);
      float[] expected = ((FloatTensor) new Interpreter(g).run(List.<Tensor>of(x)).get(0)).data();
      Path vectors = dir.resolve("vectors");
      Files.createDirectories(vectors);
      files.add(writeFloats(vectors.resolve("inputs.f32"), images));
      files.add(writeFloats(vectors.resolve("expected.f32"), expected));

      byte[] load = HwGenerators.loadBytes(hardware);
      String loadFile = null;
      if (load.length > 0) {
        loadFile = "weights/" + LOAD_FILE;
        Files.createDirectories(dir.resolve("weights"));
        Files.write(dir.resolve(loadFile), load);
      }
      // The schedule holds each layer's weights as stored and where they are placed: factoring
      // block-scaled weights into beats walks every weight, so once.
      Dataflow dataflow = plan.dataflow();
      List<Manifest.Layer> layers = new ArrayList<>();
      long cycles = 0;
      for (int i = 0; i < hardware.length; i++) {
        ChainPlan.Layer l = plan.layers().get(i);
        Dataflow.Stage stage = dataflow.stages().get(i);
        long layerCycles = l.cyclesPerImage();
        String output = l.next() == null ? "exact sums" : l.next().name() + " codes, by thresholds";
        ExactLayer e = l.exact();
        String sparsity = l.sparsity() == null ? "dense" : l.sparsity().n() + ":" + l.sparsity().m();
        Dataflow.Arithmetic a = stage.arithmetic();
        layers.add(new Manifest.Layer(l.node().name(), l.rows(), l.cols(), l.window(), l.pool(), e.dataFormat().name(), a.weightFormat(), a.beatShiftBits(), sparsity, e.accumulator().bits(), l.pe(), l.simd(), layerCycles, output, weightMemory(stage)));
        cycles = Math.max(cycles, layerCycles);
      }
      Manifest.Vectors tests = new Manifest.Vectors(count, perImage, expected.length / count, "vectors/inputs.f32", "vectors/expected.f32");
      Path json = new Manifest(name, "LayerChain", List.of(name + ".sv"), List.of("ENABLE_INITIAL_MEM_"), name + ".qir", maxPe, maxSimd, targetCycles, cycles, tests, layers, board, dataflow, spram, loadFile).write(dir);
      files.add(0, json);
      Path tcl = dir.resolve(name + "_vivado.tcl");
      Files.writeString(tcl, vivadoScript(name, "LayerChain"));
      files.add(tcl);
      Path out = dir.resolve(name + ".sv");
      Path partial = dir.resolve(name + ".sv.partial");
      Files.writeString(partial, sv);
      Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      files.add(0, out);
      if (Files.isDirectory(dir.resolve("weights"))) {
        try (Stream<Path> hex = Files.list(dir.resolve("weights"))) {
          hex.sorted().forEach(files::add);
        }
      }
      return new Result(files, plan, cycles, board, layers.stream().filter(l -> l.weightMemory().equals("spram")).map(Manifest.Layer::node).toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where a layer's weights are, as the manifest says it. */
  private static String weightMemory(Dataflow.Stage stage) {
    return stage.spramBlocks() > 0 ? "spram" : stage.weightLines() > 1 ? "bram" : "logic";
  }

  /** The graph's input shape for {@code count} images: its own dimensions after the batch, when they hold one image, else [count, perImage]. */
  private static int[] inputShape(Graph g, int count, int perImage) {
    Shape s = g.inputs().get(0).type().shape();
    if (!s.ranked() || s.rank() < 2) {
      return new int[] {count, perImage};
    }
    int[] shape = new int[s.rank()];
    shape[0] = count;
    long size = 1;
    for (int i = 1; i < shape.length; i++) {
      if (!(s.dim(i) instanceof Dim.Fixed f)) {
        throw new BackendException("the input '" + g.inputs().get(0).name() + "' needs static dimensions after the batch, has " + s);
      }
      shape[i] = (int) f.size();
      size *= f.size();
    }
    if (size != perImage) {
      throw new BackendException("the input '" + g.inputs().get(0).name() + "' " + s + " does not hold the first layer's " + perImage + " inputs");
    }
    return shape;
  }

  /**
   * A Vivado batch script that synthesizes, places and routes the design out of context (its ports
   * are on-chip streams, not board pins) for a part and clock period given as arguments, from the
   * design's folder so the weight files resolve, and writes utilization, timing and a routed
   * checkpoint that a board project can instantiate.
   */
  private static String vivadoScript(String name, String top) {
    return """
        # Vivado batch flow for the qcc design NAME: synthesis, placement and routing out of context,
        # then utilization and timing reports and a routed checkpoint in vivado/.
        #   vivado -mode batch -source NAME_vivado.tcl [-tclargs PART [CLOCK_PERIOD_NS]]
        # The top level TOP streams codes in and sums out (ready/valid); to reach a bitstream,
        # instantiate it (or the checkpoint) in a board project that drives its ports.
        set part [expr {$argc > 0 ? [lindex $argv 0] : "xc7a100tcsg324-1"}]
        set period [expr {$argc > 1 ? [lindex $argv 1] : 10.0}]
        cd [file dirname [file normalize [info script]]]
        file mkdir vivado
        read_verilog -sv NAME.sv
        synth_design -top TOP -part $part -mode out_of_context -verilog_define ENABLE_INITIAL_MEM_
        create_clock -name clock -period $period [get_ports clock]
        opt_design
        place_design
        route_design
        report_utilization -hierarchical -file vivado/utilization.txt
        report_timing_summary -file vivado/timing.txt
        write_checkpoint -force vivado/NAME_routed.dcp
        """.replace("NAME", name).replace("TOP", top);
  }

  private static Path writeFloats(Path file, float[] values) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    Files.write(file, b.array());
    return file;
  }
}
