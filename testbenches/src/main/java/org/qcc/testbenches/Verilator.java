// Builds and runs Verilator simulations: SystemVerilog plus a C++ harness, stimulus in, results out.
package org.qcc.testbenches;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Verilator model of one top module, built once in its own directory. The harness is a separate
 * process that reads a stimulus file and prints results, which keeps a crashing or hanging
 * simulation out of the JVM.
 */
public final class Verilator {
  private final Path executable;

  private Verilator(Path executable) {
    this.executable = executable;
  }

  /**
   * The start of a harness's {@code main} for top module {@code top}: the model as {@code dut},
   * the stimulus file (argv[1]) as {@code in}, a {@code tick()} of one clock cycle, and two cycles of
   * reset.
   */
  static String prologue(String top) {
    return """
          VerilatedContext ctx;
          VTOP dut{&ctx};
          std::FILE* in = std::fopen(argv[1], "r");
          if (!in) return 2;
          auto tick = [&] {
            dut.clock = 0;
            dut.eval();
            dut.clock = 1;
            dut.eval();
          };
          dut.reset = 1;
          tick();
          tick();
          dut.reset = 0;
        """.replace("VTOP", "V" + top);
  }

  /** Whether {@code verilator} is on the PATH. */
  public static boolean available() {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, "verilator")));
  }

  /** Builds {@code top} from {@code systemVerilog} and the C++ {@code harness} in {@code dir}. */
  public static Verilator build(Path dir, String top, String systemVerilog, String harness) {
    if (!available()) {
      throw new ToolException("verilator is not installed (./test.sh installs it with apt-get)");
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(top + ".sv"), systemVerilog);
      Files.writeString(dir.resolve("harness.cpp"), harness);
      // ENABLE_INITIAL_MEM_: firtool guards memory initialization ($readmemh of weights) with it.
      run(dir, List.of("verilator", "--cc", "--exe", "--build", "-j", "2", "-Wno-fatal", "-DENABLE_INITIAL_MEM_", "--top-module", top, "--Mdir", "obj", top + ".sv", "harness.cpp", "-o", "sim"));
      return new Verilator(dir.resolve("obj").resolve("sim"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the simulation on {@code stimulus}, written to a file beside the model, and further
   * arguments; returns the lines it printed.
   */
  public List<String> run(CharSequence stimulus, String... arguments) {
    Path file = executable.getParent().getParent().resolve("stimulus.txt");
    try {
      Files.writeString(file, stimulus);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> command = new ArrayList<>(List.of(executable.toString(), file.toString()));
    command.addAll(List.of(arguments));
    return run(executable.getParent(), command).lines().toList();
  }

  private static String run(Path dir, List<String> command) {
    try {
      Process p = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      int rc = p.waitFor();
      if (rc != 0) {
        String tail = out.length() > 4000 ? out.substring(out.length() - 4000) : out;
        throw new ToolException(command.get(0) + " failed (exit " + rc + "):\n" + tail);
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
