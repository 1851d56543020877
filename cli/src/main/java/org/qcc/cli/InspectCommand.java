// qcc inspect: ops, shapes, parameters and MACs per layer.
package org.qcc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.qcc.ir.Graph;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "inspect",
    description = "Show a model's inputs, outputs and layers: ops, shapes, formats, parameters, MACs.",
    footer = {"%nExamples:", "  qcc inspect models/fashion_cnn.onnx", "  qcc inspect model.qir --json"})
final class InspectCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", description = "A .onnx or .qir model.")
  Path model;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Graph g = Models.load(model);
    ModelSummary s = ModelSummary.of(g);
    PrintWriter out = spec.commandLine().getOut();
    if (common.json) {
      out.println(new ObjectMapper().writeValueAsString(s.toJson()));
    } else {
      out.print(s.render());
    }
    return Qcc.OK;
  }
}
