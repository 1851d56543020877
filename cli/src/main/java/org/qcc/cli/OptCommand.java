// qcc opt: run a pass pipeline over a model and write the result.
package org.qcc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.ir.Graph;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassRegistry;
import org.qcc.passes.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "opt",
    description = {
      "Run a pass pipeline over a model: comma-separated passes, each with optional {option=value,...}.",
      "The pipeline is checked before the model is touched; the output is written only when every pass succeeds."
    },
    footer = {
      "%nExamples:",
      "  qcc opt --list-passes",
      "  qcc opt models/fashion_vit.onnx -p canonicalize -o vit.qir --stats",
      "  qcc opt models/fashion_cnn.onnx -p 'canonicalize,quantize{weights=int4,acts=int8},calibrate{method=mse}' -o cnn_q.qir",
      "  qcc opt model.qir -p 'fold-constants{max-elements=1024},dce' -o out.qir --print-after-all --verify-each"
    })
final class OptCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", arity = "0..1", description = "A .onnx or .qir model.")
  Path model;

  @Option(names = {"-p", "--pipeline"}, paramLabel = "PIPELINE", description = "The passes to run, e.g. canonicalize or 'fold-constants,dce'.")
  String pipeline;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Output model, .onnx or .qir.")
  Path output;

  @Option(names = "--print-after-all", description = "Print the graph after every pass (to stderr).")
  boolean printAfterAll;

  @Option(names = "--verify-each", description = "Verify the graph after every pass and name the pass that broke it.")
  boolean verifyEach;

  @Option(names = "--stats", description = "Print each pass's statistics.")
  boolean stats;

  @Option(
      names = "--calibration",
      paramLabel = "DATA",
      defaultValue = "fashion-mnist",
      description = {
        "Samples for data-driven passes such as calibrate: fashion-mnist (the training split: Debian's when installed,",
        "else the bundled 1,024 images) or a directory with train-images-idx3-ubyte.gz. Default: ${DEFAULT-VALUE}."
      })
  String calibration;

  @Option(names = "--list-passes", description = "List every pass with its options, and exit.")
  boolean listPasses;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (listPasses) {
      listPasses(out);
      return Qcc.OK;
    }
    if (model == null || pipeline == null || output == null) {
      throw new ParameterException(spec.commandLine(), "MODEL, -p PIPELINE and -o OUT are required (or --list-passes)");
    }
    PrintWriter err = spec.commandLine().getErr();
    PassManager.Instrumentation inst = new PassManager.Instrumentation(printAfterAll ? s -> err.print(s) : null, verifyEach);
    PassManager pm = PassManager.build(PassRegistry.standard(), Pipeline.parse(pipeline), inst);
    Graph g = Models.load(model);
    int nodesBefore = g.nodes().size();
    PassContext ctx = pm.run(g, Models.calibration(calibration));
    org.qcc.ir.Verifier.standard().verifyOrThrow(g);
    Models.save(g, output);
    if (!common.json) {
      ctx.warnings().forEach(w -> err.println("qcc: warning: " + w));
    }
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("output", output.toString());
      o.put("pipeline", pm.pipeline().toString());
      o.put("nodes_before", nodesBefore);
      o.put("nodes_after", g.nodes().size());
      o.put("statistics", ctx.statistics());
      o.put("warnings", ctx.warnings());
      Json.print(out, o);
      return Qcc.OK;
    }
    out.println("wrote " + output + " (" + g.nodes().size() + " nodes, was " + nodesBefore + ") after " + pm.pipeline());
    if (stats) {
      ctx.statistics().forEach((k, v) -> out.printf("  %-40s %d%n", k, v));
    }
    return Qcc.OK;
  }

  private void listPasses(PrintWriter out) {
    List<PassInfo> all = List.copyOf(PassRegistry.standard().all());
    if (common.json) {
      List<Object> list = new java.util.ArrayList<>();
      for (PassInfo p : all) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", p.name());
        o.put("summary", p.summary());
        o.put("description", p.description());
        List<Object> opts = new java.util.ArrayList<>();
        for (PassOption<?> opt : p.options()) {
          opts.add(Map.of("name", opt.name(), "default", showDefault(opt), "allowed", opt.allowed(), "doc", opt.doc()));
        }
        o.put("options", opts);
        o.put("statistics", p.statistics());
        list.add(o);
      }
      Json.print(out, Map.of("passes", list));
      return;
    }
    for (PassInfo p : all) {
      out.println(p.name() + " - " + p.summary());
      out.println("    " + p.description());
      for (PassOption<?> opt : p.options()) {
        out.println("    " + opt.name() + "=" + showDefault(opt) + "  (" + opt.allowed() + ") " + opt.doc());
      }
      if (!p.statistics().isEmpty()) {
        out.println("    statistics: " + String.join(", ", p.statistics()));
      }
    }
  }

  private static <T> String showDefault(PassOption<T> o) {
    return o.show(o.defaultValue());
  }
}
