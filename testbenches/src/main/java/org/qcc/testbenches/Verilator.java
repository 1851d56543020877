// Builds and runs Verilator simulations: SystemVerilog plus a C++ harness, stimulus in, results out.
package org.qcc.testbenches;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Verilator model of one top module, built once in its own directory. The harness is a separate
 * process that reads a stimulus file and prints results, which keeps a crashing or hanging
 * simulation out of the JVM.
 */
public final class Verilator {
  /** The trace file a harness built with {@code trace} writes where it runs, in the design's folder. */
  public static final String TRACE_FILE = "trace.vcd";

  private final Path executable;
  private final Path design;

  private Verilator(Path executable, Path design) {
    this.executable = executable;
    this.design = design;
  }

  /**
   * The start of a harness's {@code main} for top module {@code top}: the model as {@code dut},
   * the stimulus file (argv[1]) as {@code in}, {@code half(level)} to drive the clock to a level
   * and evaluate (dumping a trace when built with one), {@code tick()} for a whole cycle, and two
   * cycles of reset.
   */
  static String prologue(String top) {
    return """
          VerilatedContext ctx;
          VTOP dut{&ctx};
          std::FILE* in = std::fopen(argv[1], "r");
          if (!in) return 2;
        #ifdef QCC_TRACE
          ctx.traceEverOn(true);
          VerilatedVcdC vcd;
          dut.trace(&vcd, 99);
          vcd.open("TRACE_FILE");
          uint64_t now = 0;
          auto half = [&](int level) {
            dut.clock = level;
            dut.eval();
            vcd.dump(now++);
          };
        #else
          auto half = [&](int level) {
            dut.clock = level;
            dut.eval();
          };
        #endif
          auto tick = [&] {
            half(0);
            half(1);
          };
          dut.reset = 1;
          tick();
          tick();
          dut.reset = 0;
        """.replace("VTOP", "V" + top).replace("TRACE_FILE", TRACE_FILE);
  }

  /** The includes every harness starts with. */
  static final String INCLUDES = """
      #include <cinttypes>
      #include <cstdio>
      #include <cstdlib>
      #include <vector>
      #include "verilated.h"
      #ifdef QCC_TRACE
      #include "verilated_vcd_c.h"
      #endif
      """;

  /** Whether {@code verilator} is on the PATH. */
  public static boolean available() {
    return ExternalTool.available("verilator");
  }

  /** Builds {@code top} from {@code systemVerilog} and the C++ {@code harness} in {@code dir}, which is also the design's folder. */
  public static Verilator build(Path dir, String top, String systemVerilog, String harness) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(top + ".sv"), systemVerilog);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return build(dir, dir, top, List.of(dir.resolve(top + ".sv")), harness, false);
  }

  /**
   * Builds {@code top} from the {@code sources} of the design in folder {@code design} (where the
   * simulation runs, so the sources' relative memory files resolve) and the C++ {@code harness},
   * in folder {@code build}; with {@code trace}, the simulation writes {@link #TRACE_FILE} to {@code design}.
   */
  public static Verilator build(Path design, Path build, String top, List<Path> sources, String harness, boolean trace) {
    ExternalTool.require("verilator", "verilator");
    try {
      Files.createDirectories(build);
      Files.writeString(build.resolve("harness.cpp"), harness);
      // ENABLE_INITIAL_MEM_: firtool guards memory initialization ($readmemh of weights) with it.
      List<String> command = new ArrayList<>(List.of("verilator", "--cc", "--exe", "--build", "-j", "2", "-Wno-fatal", "-DENABLE_INITIAL_MEM_", "--top-module", top, "--Mdir", "obj", "-o", "sim"));
      if (trace) {
        command.addAll(List.of("--trace", "-CFLAGS", "-DQCC_TRACE"));
      }
      sources.forEach(f -> command.add(f.toAbsolutePath().toString()));
      command.add("harness.cpp");
      ExternalTool.run(build, command);
      // The simulation runs in the design folder: a relative path to it would resolve from there.
      return new Verilator(build.toAbsolutePath().resolve("obj").resolve("sim"), design);
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
    return ExternalTool.run(design, command).lines().toList();
  }
}
