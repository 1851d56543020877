// PTX for the bundled models, checked by ptxas; the CUDA runner compiled against cuda.h.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qcc.backends.BackendException;
import org.qcc.ir.Graph;

class PtxCompilerTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("org.qcc.backends.llvm.JitModelTest#pipelines")
  void ptxasAcceptsTheKernelsForSm90(String model, String pipeline) throws Exception {
    Graph g = BundledModels.model(model, pipeline);
    PtxCompiler.Result r = PtxCompiler.write(g, dir, "m", "sm_90", false);
    String ptx = Files.readString(dir.resolve("m.ptx"));
    assertTrue(ptx.contains(".target sm_90"), "target line");
    assertTrue(ptx.contains(".version 8.0"), "PTX ISA 8.0");
    for (KernelModel.Launch l : r.model().launches()) {
      assertTrue(ptx.contains(".visible .entry " + l.kernel() + "("), l.kernel() + " is a kernel");
    }
    // ptxas fuses a multiply and an add that carry no rounding modifier; the interpreter does not.
    Matcher loose = Pattern.compile("\\b(add|sub|mul)\\.f(32|64)\\b").matcher(ptx);
    assertFalse(loose.find(), () -> "contractible arithmetic: " + loose.group());
    assumeTrue(Tools.onPath("ptxas"), "ptxas is not installed");
    Tools.run(dir, "ptxas", "-arch=sm_90", "m.ptx", "-o", "m.cubin");
    assertTrue(Files.size(dir.resolve("m.cubin")) > 0);
  }

  @Test
  void theRunnerCompilesAgainstCudaH() throws Exception {
    Graph g = BundledModels.model("cnn", "canonicalize,quantize{weights=int8,acts=int8},calibrate");
    PtxCompiler.write(g, dir, "fashion_cnn", "sm_90", true);
    assertTrue(Files.exists(dir.resolve("fashion_cnn.ll")));
    String c = Files.readString(dir.resolve("fashion_cnn_cuda.c"));
    assertTrue(c.contains("{\"fashion_cnn_layer0\", 2, {0, 1}, "), c);
    Path include = Tools.cudaInclude();
    assumeTrue(include != null, "no CUDA toolkit headers (cuda.h)");
    Tools.run(dir, "gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-O2", "-I" + include, "-c", "fashion_cnn_cuda.c", "-o", "runner.o");
  }

  @Test
  void anUnknownGpuIsRefusedBeforeAnythingIsWritten() {
    Graph g = BundledModels.model("mlp", "canonicalize");
    BackendException e = assertThrows(BackendException.class, () -> PtxCompiler.write(g, dir.resolve("out"), "m", "sm_35", false));
    assertTrue(e.getMessage().startsWith("--gpu sm_35 is not a GPU qcc compiles for; use one of sm_75"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("out")));
  }

  @Test
  void blackwellGetsANewerPtxIsa() {
    assertEquals("+ptx80", TargetSpec.nvptx("sm_90").features());
    assertEquals("+ptx86", TargetSpec.nvptx("sm_100a").features());
    assertEquals("+ptx87", TargetSpec.nvptx("sm_120").features());
  }
}
