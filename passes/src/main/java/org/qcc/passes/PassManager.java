// Runs a pipeline of configured passes over a graph, managing analyses and instrumentation.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.qcc.ir.Diagnostic;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirPrinter;

/**
 * A pipeline built from text against a registry: every pass name and option is checked before
 * anything runs, so a bad pipeline touches no graph. After each pass the manager invalidates
 * the analyses the pass did not preserve, optionally verifies the graph and prints it. A pass
 * manager is itself a {@link Pass}, which is how {@code canonicalize} nests a fixed pipeline.
 */
public final class PassManager implements Pass {
  /** Debugging hooks: print the graph after every pass, verify it after every pass. */
  public record Instrumentation(Consumer<String> printAfterAll, boolean verifyEach) {
    public static final Instrumentation NONE = new Instrumentation(null, false);
  }

  private record Configured(PassInfo info, Pipeline.Step step, Pass pass) {}

  private final Pipeline pipeline;
  private final List<Configured> passes;
  private final Instrumentation instrumentation;

  private PassManager(Pipeline pipeline, List<Configured> passes, Instrumentation instrumentation) {
    this.pipeline = pipeline;
    this.passes = passes;
    this.instrumentation = instrumentation;
  }

  public static PassManager build(PassRegistry registry, String pipeline) {
    return build(registry, Pipeline.parse(pipeline), Instrumentation.NONE);
  }

  public static PassManager build(PassRegistry registry, Pipeline pipeline, Instrumentation instrumentation) {
    List<Configured> passes = new ArrayList<>();
    for (Pipeline.Step step : pipeline.steps()) {
      PassInfo info =
          registry
              .lookup(step.pass())
              .orElseThrow(
                  () -> new DiagnosticException("pipeline", "unknown pass '" + step.pass() + "' at column " + step.column() + " (passes: " + String.join(", ", registry.names()) + ")"));
      passes.add(new Configured(info, step, info.create(step.options())));
    }
    return new PassManager(pipeline, passes, instrumentation);
  }

  public Pipeline pipeline() {
    return pipeline;
  }

  /** Runs on {@code g} with fresh analyses; returns the context holding the statistics. */
  public PassContext run(Graph g) {
    return run(g, (CalibrationData) null);
  }

  /** Runs with {@code calibration} (null for none) available to data-driven passes. */
  public PassContext run(Graph g, CalibrationData calibration) {
    PassContext ctx = new PassContext(new AnalysisManager(g), calibration);
    run(g, ctx);
    return ctx;
  }

  @Override
  public PassResult run(Graph g, PassContext ctx) {
    boolean changed = false;
    for (Configured c : passes) {
      String name = c.info().name();
      String prior = ctx.enter(name);
      PassResult r;
      try {
        r = c.pass().run(g, ctx);
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw new PassException(name, e.getMessage());
      } finally {
        ctx.enter(prior);
      }
      if (r.changed()) {
        ctx.analyses().invalidateExcept(r.preserved());
        changed = true;
      }
      if (instrumentation.verifyEach()) {
        List<Diagnostic> problems = Verifier.standard().verify(g);
        if (!problems.isEmpty()) {
          throw new PassException(name, "left an invalid graph: " + problems.stream().map(Diagnostic::toString).collect(Collectors.joining("; ")));
        }
      }
      if (instrumentation.printAfterAll() != null) {
        instrumentation.printAfterAll().accept("// ----- after " + c.step() + " -----\n" + QirPrinter.print(g));
      }
    }
    return PassResult.of(changed);
  }
}
