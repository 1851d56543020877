// External programs the backend tests drive: compilers, ptxas, built examples.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

final class Tools {
  private Tools() {}

  static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  /** The CUDA toolkit's include directory: $CUDA_HOME, or the newest /usr/local/cuda*. */
  static Path cudaInclude() throws java.io.IOException {
    String home = System.getenv("CUDA_HOME");
    if (home != null && Files.exists(Path.of(home, "include", "cuda.h"))) {
      return Path.of(home, "include");
    }
    try (Stream<Path> dirs = Files.list(Path.of("/usr/local"))) {
      return dirs.filter(d -> d.getFileName().toString().startsWith("cuda")).map(d -> d.resolve("include")).filter(d -> Files.exists(d.resolve("cuda.h"))).sorted().reduce((a, b) -> b).orElse(null);
    }
  }

  /** Runs a command in {@code dir}; fails the test with its output when it exits non-zero. */
  static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ":\n" + out);
    return out;
  }
}
