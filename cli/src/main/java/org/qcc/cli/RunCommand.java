// qcc run: execute a model on input tensors.
package org.qcc.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.frontend.npy.Npy;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "run",
    description = "Run a model on input tensors and write each output as OUTDIR/<output name>.npy.",
    footer = {
      "%nExamples:",
      "  qcc run models/fashion_cnn.onnx -i input=x.npy -o out/",
      "  qcc run model.onnx -i input_0.pb -o out/ --json",
      "  qcc run cnn_int8.qir -i x.npy -o out/ --backend llvm"
    })
final class RunCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir model.")
  Path model;

  @Option(names = {"-i", "--input"}, required = true, paramLabel = "[NAME=]FILE",
      description = "An input tensor (.npy or ONNX TensorProto .pb); without NAME, inputs bind in order.")
  List<String> inputs;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTDIR", description = "Directory for the outputs.")
  Path outDir;

  @Option(names = "--backend", defaultValue = "interp", description = "Execution backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Backend backend;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Graph g = Models.load(model);
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    int position = 0;
    for (String spec : inputs) {
      int eq = spec.indexOf('=');
      String name = eq > 0 ? spec.substring(0, eq) : null;
      Tensors.Named t = Tensors.read(Path.of(eq > 0 ? spec.substring(eq + 1) : spec));
      if (name == null) {
        name = t.name() != null && g.inputs().stream().anyMatch(v -> v.name().equals(t.name())) ? t.name() : null;
      }
      if (name == null) {
        if (position >= g.inputs().size()) {
          throw new DiagnosticException(spec, "the model has only " + g.inputs().size() + " inputs");
        }
        name = g.inputs().get(position).name();
      }
      position++;
      if (feeds.put(name, t.tensor()) != null) {
        throw new DiagnosticException(spec, "input '" + name + "' given twice");
      }
    }
    Map<String, Tensor> outs;
    try (Backend.Runner runner = backend.open(g)) {
      outs = runner.run(feeds);
    }
    Files.createDirectories(outDir);
    Map<String, Object> written = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : outs.entrySet()) {
      String file = e.getKey().replaceAll("[^A-Za-z0-9_.\\-]", "_") + ".npy";
      Npy.write(e.getValue(), outDir.resolve(file));
      written.put(e.getKey(), Map.of("file", outDir.resolve(file).toString(), "type", e.getValue().type().toString()));
    }
    if (common.json) {
      Json.print(spec.commandLine().getOut(), Map.of("outputs", written));
    } else {
      written.forEach((k, v) -> spec.commandLine().getOut().println(k + " -> " + ((Map<?, ?>) v).get("file") + "  " + ((Map<?, ?>) v).get("type")));
    }
    return Qcc.OK;
  }
}
