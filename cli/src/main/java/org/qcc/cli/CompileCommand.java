// qcc compile: a model to native code.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.backends.llvm.AotCompiler;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compile",
    description = {
      "Compile a model (fp32 or quantized by `qcc opt`) with LLVM for this CPU: writes DIR/NAME.o,",
      "DIR/NAME.h (entry point, tensor layouts, workspace size) and DIR/NAME_example.c, a C program",
      "that links against the object. Outputs equal the golden interpreter's bit for bit."
    },
    footer = {
      "%nExamples:",
      "  qcc compile models/fashion_cnn.onnx --target cpu -o build/",
      "  qcc compile cnn_int8.qir -o build/ --name cnn_int8 --emit-llvm",
      "  cc -O2 build/cnn_int8_example.c build/cnn_int8.o -o cnn && ./cnn images.f32 logits.f32"
    })
final class CompileCommand implements Callable<Integer> {
  enum Target { cpu }

  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir model.")
  Path model;

  @Option(names = "--target", defaultValue = "cpu", description = "What to generate code for: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Target target;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Directory for the generated files.")
  Path outDir;

  @Option(names = "--name", description = "C name of the entry point and file stem (default: from the model file name).")
  String name;

  @Option(names = "--emit-llvm", description = "Also write the optimized LLVM IR as DIR/NAME.ll.")
  boolean emitLlvm;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Graph g = Models.load(model);
    String symbol = name != null ? name : defaultName(model);
    long start = System.nanoTime();
    AotCompiler.Result r = AotCompiler.write(g, outDir, symbol, emitLlvm);
    double seconds = (System.nanoTime() - start) / 1e9;
    List<String> files = r.files().stream().map(Path::toString).toList();
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("target", target.name());
      o.put("symbol", r.model().symbol());
      o.put("files", files);
      o.put("workspace_bytes", r.model().workspaceBytes());
      o.put("seconds", seconds);
      Json.print(spec.commandLine().getOut(), o);
    } else {
      var out = spec.commandLine().getOut();
      out.printf("compiled %s for %s in %.2f s: entry %s, workspace %d bytes%n", model, target, seconds, r.model().symbol(), r.model().workspaceBytes());
      files.forEach(f -> out.println("  " + f));
    }
    return Qcc.OK;
  }

  /** The file name without extension, made a C identifier. */
  static String defaultName(Path model) {
    String stem = model.getFileName().toString().replaceFirst("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9_]", "_");
    return stem.isEmpty() || Character.isDigit(stem.charAt(0)) ? "qcc_" + stem.toLowerCase(Locale.ROOT) : stem;
  }
}
