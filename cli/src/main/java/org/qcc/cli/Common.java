// Options every subcommand shares.
package org.qcc.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** {@code --json} and {@code --verbose}. */
public final class Common {
  @Option(names = "--json", description = "Print one JSON object on stdout and nothing else there.")
  boolean json;

  @Option(names = "--verbose", description = "Show stack traces and extra detail on errors.")
  boolean verbose;

  /** Prints each step of a long run on {@code err}, or nothing with --json. */
  Consumer<String> progress(PrintWriter err) {
    return step -> {
      if (!json) {
        err.println("qcc: " + step + "...");
      }
    };
  }
}
