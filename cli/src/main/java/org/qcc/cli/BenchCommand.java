// qcc bench: measured comparisons with the peer tools, printed side by side.
package org.qcc.cli;

import picocli.CommandLine.Command;

@Command(
    name = "bench",
    description = "Benchmarks that run qcc and its peer in the same process and print the ratio.",
    subcommands = {InterpBenchCommand.class, LlvmBenchCommand.class, FormatsBenchCommand.class, PtqBenchCommand.class, SimBenchCommand.class, ExploreBenchCommand.class},
    footer = {"%nExamples:", "  qcc bench interp", "  qcc bench interp --model cnn --batch 64 --seconds 5"})
final class BenchCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
