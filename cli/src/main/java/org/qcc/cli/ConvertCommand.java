// qcc convert: between ONNX and the textual IR.
package org.qcc.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "convert",
    description = "Convert a model between ONNX (.onnx) and qcc's textual IR (.qir).",
    footer = {"%nExamples:", "  qcc convert models/fashion_mlp.onnx -o mlp.qir", "  qcc convert mlp.qir -o mlp.onnx"})
final class ConvertCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir model.")
  Path model;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "Output file, .onnx or .qir.")
  Path output;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Graph g = Models.load(model);
    Models.save(g, output);
    if (common.json) {
      Json.print(spec.commandLine().getOut(), java.util.Map.of("output", output.toString(), "nodes", g.nodes().size()));
    } else {
      spec.commandLine().getOut().println("wrote " + output + " (" + g.nodes().size() + " nodes)");
    }
    return Qcc.OK;
  }
}
