// Entry point of the qcc command: subcommands, exit codes, one-line errors.
package org.qcc.cli;

import org.qcc.testbenches.ToolException;
import java.io.PrintWriter;
import org.qcc.ir.DiagnosticException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code qcc} command. */
@Command(
    name = "qcc",
    mixinStandardHelpOptions = true,
    version = "qcc " + Qcc.VERSION,
    description = "A compiler for quantized neural networks.",
    subcommands = {
      InspectCommand.class,
      ConvertCommand.class,
      RunCommand.class,
      EvalCommand.class,
      ConformanceCommand.class,
      DemoCommand.class,
      FormatsCommand.class,
      QtensorCommand.class,
      OptCommand.class,
      CompileCommand.class,
      SimCommand.class,
      SynthCommand.class,
      CalibrateCostCommand.class,
      BenchCommand.class,
      SweepAccuracyCommand.class,
      SweepPtqCommand.class,
      ExploreCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Qcc implements Runnable {
  /** This build's version, as --version prints it and results stores record it. */
  public static final String VERSION = "0.1.0";

  /** Success. */
  public static final int OK = 0;
  /** A check failed (e.g. a mismatch). */
  public static final int CHECK_FAILED = 1;
  /** Bad input or usage. */
  public static final int BAD_INPUT = 2;
  /** A required external tool is missing or failed. */
  public static final int TOOL_FAILED = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Every subcommand takes --help and --version, as the usage errors promise. */
  private static void withHelpOptions(CommandLine cl) {
    cl.getSubcommands().values().forEach(sub -> {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
      }
      withHelpOptions(sub);
    });
  }

  /** Runs the command line with the given streams; returns the exit code. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    CommandLine cl = new CommandLine(new Qcc());
    withHelpOptions(cl);
    // The descriptions are written in lines of up to about 110 characters; at picocli's default
    // 80 each would break again mid-sentence.
    cl.setUsageHelpWidth(120);
    cl.setOut(out);
    cl.setErr(err);
    cl.setExitCodeExceptionMapper(e -> BAD_INPUT);
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("qcc: error: " + ex.getMessage());
          err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
          return BAD_INPUT;
        });
    cl.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (verbose) {
            ex.printStackTrace(err);
          }
          if (ex instanceof DiagnosticException d) {
            err.println("qcc: error: " + d.diagnostic());
            return BAD_INPUT;
          }
          if (ex instanceof org.qcc.backends.BackendException b) {
            err.println("qcc: error: " + b.getMessage());
            return BAD_INPUT;
          }
          if (ex instanceof ToolException t) {
            err.println("qcc: error: " + t.getMessage());
            return TOOL_FAILED;
          }
          if (ex instanceof java.io.IOException io) {
            err.println("qcc: error: " + io.getMessage());
            return BAD_INPUT;
          }
          err.println("qcc: internal error: " + ex + (verbose ? "" : " (run with --verbose for details)"));
          return 70;
        });
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      err.println("qcc: error: out of memory (the model or its inputs are too large for this JVM)");
      return BAD_INPUT;
    }
  }
}
