// Runs the open-source tools qcc drives (Verilator, yosys, nextpnr, icepack) as child processes.
package org.qcc.testbenches;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One external program: found on the PATH, run in a folder, its failure reported with the end of its output. */
final class ExternalTool {
  private static final int TAIL = 4000;

  private ExternalTool() {}

  /** Whether {@code tool} is on the PATH. */
  static boolean available(String tool) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
  }

  /** Fails with how to get {@code tool} unless it is on the PATH. */
  static void require(String tool, String debianPackage) {
    if (!available(tool)) {
      throw new ToolException(tool + " is not installed (./test.sh installs it: apt-get install " + debianPackage + ")");
    }
  }

  /** Runs {@code command} in {@code dir}; returns what it printed. */
  static String run(Path dir, List<String> command) {
    return run(dir, command, null);
  }

  /**
   * Runs {@code command} in {@code dir}, its output (stdout and stderr) going to {@code log} when
   * given, else returned; a non-zero exit fails with the output's end.
   */
  static String run(Path dir, List<String> command, Path log) {
    try {
      ProcessBuilder b = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true);
      if (log != null) {
        b.redirectOutput(log.toFile());
      }
      Process p = b.start();
      // A qcc stopped by a signal takes the tool with it rather than leaving it running.
      Thread stop = new Thread(p::destroyForcibly);
      Runtime.getRuntime().addShutdownHook(stop);
      String out;
      try {
        out = log == null ? new String(p.getInputStream().readAllBytes()) : "";
        int rc = p.waitFor();
        if (rc != 0) {
          String text = log == null ? out : Files.readString(log);
          String tail = text.length() > TAIL ? text.substring(text.length() - TAIL) : text;
          throw new ToolException(command.get(0) + " failed (exit " + rc + ")" + (log == null ? "" : ", log " + log) + ":\n" + tail);
        }
      } finally {
        p.destroy();
        try {
          Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException shuttingDown) {
          // The hook is running or has run.
        }
      }
      return out;
    } catch (IOException e) {
      throw new ToolException(command.get(0) + " could not run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ToolException(command.get(0) + " was interrupted");
    }
  }
}
