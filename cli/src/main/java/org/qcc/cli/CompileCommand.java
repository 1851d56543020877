// qcc compile: a model to native code.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.qcc.backends.llvm.AotCompiler;
import org.qcc.backends.llvm.PtxCompiler;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.backends.rtl.WeightPlacement;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compile",
    description = {
      "Compile a model (fp32 or quantized by `qcc opt`) with LLVM, or to hardware. Outputs equal",
      "the golden interpreter's bit for bit.",
      "  --target cpu: for this CPU; writes DIR/NAME.o, DIR/NAME.h (entry point, tensor layouts,",
      "    workspace size) and DIR/NAME_example.c, a C program that links against the object.",
      "  --target nvptx: for an NVIDIA GPU (--gpu); writes DIR/NAME.ptx, one kernel per layer, and",
      "    DIR/NAME_cuda.c, a CUDA driver-API program that runs it on raw fp32 files.",
      "  --target rtl: a dataflow accelerator (fully-connected and convolutional networks with",
      "    integer accumulators); writes DIR/NAME.sv (top LayerChain), DIR/weights/*.hex,",
      "    DIR/NAME.json (the manifest), for a classifier also DIR/NAME_icebreaker.{v,pcf} (the",
      "    chain behind a serial line on the iCEBreaker board: send an image's input codes, one",
      "    byte each, read back its class; see `qcc synth --bitstream`),",
      "    DIR/NAME.qir (the graph) and test vectors with the golden interpreter's outputs (the",
      "    bundled Fashion-MNIST test images for 784-input models, else seeded uniform [0, 1) data);",
      "    `qcc sim --verilator DIR` checks the design against them.",
      "    Each layer's PE is the largest divisor of its outputs up to --pe; the first SIMD the",
      "    largest divisor of its inputs up to --simd, every later SIMD the previous PE. With",
      "    --cycles N, the folding with the fewest multipliers in which every layer takes at most",
      "    N cycles per image. With --device up5k the largest layers keep their weights in the",
      "    UP5K's single-port RAMs, which the design fills at start-up from its input (the serial",
      "    line on the board) with the bytes of DIR/weights/load.bin, before any image."
    },
    footer = {
      "%nExamples:",
      "  qcc compile models/fashion_cnn.onnx --target cpu -o build/",
      "  qcc compile cnn_int8.qir -o build/ --name cnn_int8 --emit-llvm",
      "  cc -O2 build/cnn_int8_example.c build/cnn_int8.o -o cnn && ./cnn images.f32 logits.f32",
      "  qcc compile cnn_int8.qir --target nvptx --gpu sm_90 -o gpu/",
      "  nvcc -O2 gpu/cnn_int8_cuda.c -o run -lcuda && ./run gpu/cnn_int8.ptx images.f32 logits.f32",
      "  qcc opt models/fashion_mlp.onnx -p 'canonicalize,quantize{weights=int4,acts=int8},calibrate' -o mlp.qir",
      "  qcc compile mlp.qir --target rtl -o hw/ --pe 16 --simd 16",
      "  qcc sim --verilator hw/",
      "  qcc compile mlp.qir --target rtl -o hw-slow/ --cycles 4000",
      "  qcc compile tiny.qir --target rtl -o tiny_hw/ --pe 1 --simd 4 --device up5k"
    })
final class CompileCommand implements Callable<Integer> {
  enum Target {
    cpu,
    nvptx,
    rtl
  }

  /** The FPGA whose memories a hardware design uses. */
  enum Device {
    generic(0),
    up5k(WeightPlacement.UP5K_SPRAMS);

    final int sprams;

    Device(int sprams) {
      this.sprams = sprams;
    }
  }

  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir model.")
  Path model;

  @Option(names = "--target", defaultValue = "cpu", description = "What to generate code for: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Target target;

  @Option(names = "--gpu", paramLabel = "SM", description = "GPU architecture for --target nvptx, e.g. sm_90 (default: ${DEFAULT-VALUE}).", defaultValue = "sm_90")
  String gpu;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Directory for the generated files.")
  Path outDir;

  @Option(names = "--name", description = "C name of the entry point and file stem (default: from the model file name).")
  String name;

  @Option(names = "--emit-llvm", description = "Also write the optimized LLVM IR as DIR/NAME.ll.")
  boolean emitLlvm;

  @Option(names = "--pe", defaultValue = "16", description = "--target rtl: the most output channels a layer computes at once (default: ${DEFAULT-VALUE}).")
  int pe;

  @Option(names = "--simd", defaultValue = "16", description = "--target rtl: the most inputs the first layer takes per cycle (default: ${DEFAULT-VALUE}).")
  int simd;

  @Option(names = "--cycles", defaultValue = "0", paramLabel = "N",
      description = "--target rtl: fold for N cycles per image, each layer with the fewest multipliers that meet it within --pe and --simd (default: as fast as they allow).")
  long cycles;

  @Option(names = "--baud", defaultValue = "115200", description = "--target rtl: the board's serial line rate (default: ${DEFAULT-VALUE}).")
  int baud;

  @Option(names = "--device", defaultValue = "generic",
      description = "--target rtl: whose memories to use: generic (weights in block RAM the bitstream initializes) or up5k (the largest layers' weights in its four single-port RAMs, loaded at start-up from DIR/weights/load.bin, which goes ahead of the images) (default: ${DEFAULT-VALUE}).")
  Device device;

  @Option(names = "--vectors", defaultValue = "100", description = "--target rtl: test images to write (default: ${DEFAULT-VALUE}).")
  int vectors;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Graph g = Models.load(model);
    String symbol = name != null ? name : defaultName(model);
    long start = System.nanoTime();
    Map<String, Object> o = new LinkedHashMap<>();
    String summary;
    List<Path> written;
    o.put("target", target.name());
    if (target == Target.cpu) {
      AotCompiler.Result r = AotCompiler.write(g, outDir, symbol, emitLlvm);
      o.put("symbol", r.model().symbol());
      o.put("workspace_bytes", r.model().workspaceBytes());
      summary = "entry " + r.model().symbol() + ", workspace " + r.model().workspaceBytes() + " bytes";
      written = r.files();
    } else if (target == Target.rtl) {
      if (pe < 1 || simd < 1 || vectors < 1 || cycles < 0) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--pe, --simd and --vectors must be at least 1, --cycles at least 0");
      }
      RtlCompiler.Result r = RtlCompiler.write(g, outDir, symbol, pe, simd, cycles, baud, device.sprams, this::testImages);
      List<String> loaded = r.loadedLayers();
      String unplaced = WeightPlacement.whyNoneLoaded(r.plan().dataflow(), device.sprams);
      o.put("layers", r.plan().layers().size());
      o.put("loaded_layers", loaded);
      if (unplaced != null) {
        o.put("not_loaded", unplaced);
      }
      o.put("cycles_per_image", r.cyclesPerImage());
      o.put("board", r.board());
      summary = r.plan().layers().size() + " layers, " + r.cyclesPerImage() + " cycles per image"
          + (loaded.isEmpty() ? "" : ", weights of " + String.join(", ", loaded) + " loaded at start-up into single-port RAMs")
          + (unplaced == null ? "" : "; no weights in single-port RAMs: " + unplaced)
          + (r.board().unavailable() == null ? ", a serial classifier for the iCEBreaker" : "; no serial classifier: " + r.board().unavailable());
      written = r.files();
    } else {
      PtxCompiler.Result r = PtxCompiler.write(g, outDir, symbol, gpu, emitLlvm);
      o.put("gpu", gpu);
      o.put("kernels", r.model().launches().stream().map(l -> l.kernel()).toList());
      summary = r.model().launches().size() + " kernels for " + gpu;
      written = r.files();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> files = written.stream().map(Path::toString).toList();
    if (common.json) {
      o.put("files", files);
      o.put("seconds", seconds);
      Json.print(spec.commandLine().getOut(), o);
    } else {
      var out = spec.commandLine().getOut();
      out.printf("compiled %s for %s in %.2f s: %s%n", model, target, seconds, summary);
      // A layer has a weight file per PE: name the folder once.
      long hex = files.stream().filter(f -> f.endsWith(".hex")).count();
      files.stream().filter(f -> !f.endsWith(".hex")).forEach(f -> out.println("  " + f));
      if (hex > 0) {
        out.println("  " + outDir.resolve("weights") + "/ (" + hex + " weight memories, .hex)");
      }
    }
    return Qcc.OK;
  }

  /**
   * {@link #vectors} test images of {@code perImage} values: Fashion-MNIST's test images (the
   * bundled subset) when they fit, else seeded uniform [0, 1) values.
   */
  private float[] testImages(int perImage) {
    if (perImage == FashionMnist.SIDE * FashionMnist.SIDE) {
      FashionMnist test = FashionMnist.load(Models.home().resolve("data/fashion-mnist-subset"));
      if (vectors > test.count()) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--vectors " + vectors + ": the bundled test subset has " + test.count() + " images");
      }
      return test.batch(0, vectors).data();
    }
    Random random = new Random(1);
    float[] x = new float[Math.multiplyExact(vectors, perImage)];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return x;
  }

  /** The file name without extension, made a C identifier. */
  static String defaultName(Path model) {
    String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9_]", "_");
    return stem.isEmpty() || Character.isDigit(stem.charAt(0)) ? "qcc_" + stem.toLowerCase(Locale.ROOT) : stem;
  }
}
