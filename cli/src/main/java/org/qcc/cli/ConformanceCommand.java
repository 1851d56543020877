// qcc conformance: ONNX backend test data, pass / fail / unsupported.
package org.qcc.cli;

import org.qcc.testbenches.ToolException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.cli.conformance.CaseResult;
import org.qcc.cli.conformance.ConformanceRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "conformance",
    description = {
      "Run ONNX backend test cases (Debian's libonnx-testdata by default: node, pytorch-operator,",
      "pytorch-converted, simple) and print pass / fail / unsupported with reasons and totals."
    },
    footer = {"%nExamples:", "  qcc conformance", "  qcc conformance /usr/share/libonnx-testdata/data/node --failures"})
final class ConformanceCommand implements Callable<Integer> {
  @Parameters(paramLabel = "DIR", arity = "0..1", description = "A suite folder, a case folder, or a folder of suites.")
  Path dir;

  @Option(names = "--failures", description = "List only failing and unsupported cases.")
  boolean failuresOnly;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path root = dir != null ? dir : ConformanceRunner.DEBIAN;
    if (!Files.isDirectory(root)) {
      throw new ToolException(root + " not found: install Debian's libonnx-testdata (./test.sh does) or pass DIR");
    }
    List<CaseResult> results = new ArrayList<>();
    PrintWriter out = spec.commandLine().getOut();
    List<Path> cases = ConformanceRunner.cases(root);
    int width = 0;
    for (Path c : cases) {
      width = Math.max(width, c.getFileName().toString().length());
    }
    for (Path c : cases) {
      CaseResult r = ConformanceRunner.run(c);
      results.add(r);
      if (!common.json && (!failuresOnly || r.status() != CaseResult.Status.PASS)) {
        out.printf("%-18s %-" + width + "s  %-11s %s%n", r.suite(), r.name(), r.status(), r.reason());
      }
    }
    Map<CaseResult.Status, Integer> totals = new EnumMap<>(CaseResult.Status.class);
    for (CaseResult.Status s : CaseResult.Status.values()) {
      totals.put(s, 0);
    }
    results.forEach(r -> totals.merge(r.status(), 1, Integer::sum));
    if (common.json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("root", root.toString());
      o.put("totals", totals);
      o.put("cases", results);
      Json.print(out, o);
    } else {
      out.printf("%d cases: %d pass, %d fail, %d unsupported, %d with bad test data%n", results.size(),
          totals.get(CaseResult.Status.PASS), totals.get(CaseResult.Status.FAIL), totals.get(CaseResult.Status.UNSUPPORTED),
          totals.get(CaseResult.Status.BAD_DATA));
    }
    return totals.get(CaseResult.Status.FAIL) > 0 ? Qcc.CHECK_FAILED : Qcc.OK;
  }
}
