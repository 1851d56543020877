// qcc compile (cpu, nvptx), run/eval --backend llvm and bench llvm, end to end.
package org.qcc.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qcc.cli.CliTest.qcc;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.cli.CliTest.Run;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.npy.Npy;
import org.qcc.ir.FloatTensor;

class LlvmCommandsTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  @TempDir Path tmp;

  private Path quantizedCnn() {
    Path q = tmp.resolve("cnn_int8.qir");
    Run r = qcc("opt", HOME.resolve("models/fashion_cnn.onnx").toString(), "-p", "canonicalize,quantize{weights=int8,acts=int8},calibrate", "-o", q.toString());
    assertEquals(0, r.code(), r.err());
    return q;
  }

  @Test
  void runWithTheLlvmBackendWritesTheInterpretersBits() throws Exception {
    Path model = quantizedCnn();
    Path in = tmp.resolve("x.npy");
    Npy.write(FashionMnist.load(HOME.resolve("data/fashion-mnist-subset")).batch(0, 19), in);
    for (String backend : new String[] {"interp", "llvm"}) {
      Run r = qcc("run", model.toString(), "-i", in.toString(), "-o", tmp.resolve(backend).toString(), "--backend", backend);
      assertEquals(0, r.code(), r.err());
    }
    FloatTensor a = (FloatTensor) Npy.read(tmp.resolve("interp/logits.npy"));
    FloatTensor b = (FloatTensor) Npy.read(tmp.resolve("llvm/logits.npy"));
    assertEquals(a.type(), b.type());
    assertArrayEquals(a.data(), b.data());
  }

  @Test
  void evalWithTheLlvmBackendCountsTheSameImages() throws Exception {
    Path model = quantizedCnn();
    String data = HOME.resolve("data/fashion-mnist-subset").toString();
    int[] correct = new int[2];
    String[] backends = {"interp", "llvm"};
    for (int i = 0; i < 2; i++) {
      Run r = qcc("eval", model.toString(), "--limit", "300", "--json", "--data-dir", data, "--backend", backends[i]);
      assertEquals(0, r.code(), r.err());
      correct[i] = Json.MAPPER.readTree(r.out()).get("correct").asInt();
    }
    assertEquals(correct[0], correct[1]);
    assertTrue(correct[1] > 240, correct[1] + "/300");
  }

  @Test
  void compileWritesObjectHeaderAndExample() throws Exception {
    Path out = tmp.resolve("build");
    Run r = qcc("compile", quantizedCnn().toString(), "--target", "cpu", "-o", out.toString(), "--emit-llvm", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertEquals("cnn_int8", o.get("symbol").asText());
    for (String f : new String[] {"cnn_int8.o", "cnn_int8.h", "cnn_int8_example.c", "cnn_int8.ll"}) {
      assertTrue(Files.size(out.resolve(f)) > 0, f);
    }
    assertTrue(Files.readString(out.resolve("cnn_int8.ll")).contains("@llvm.fma"));
  }

  @Test
  void compileForNvptxWritesPtxAndTheCudaRunner() throws Exception {
    Path out = tmp.resolve("gpu");
    Run r = qcc("compile", quantizedCnn().toString(), "--target", "nvptx", "--gpu", "sm_90", "-o", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertEquals("sm_90", o.get("gpu").asText());
    assertEquals("cnn_int8_layer0", o.get("kernels").get(0).asText());
    assertTrue(Files.readString(out.resolve("cnn_int8.ptx")).contains(".entry cnn_int8_layer0("));
    assertTrue(Files.readString(out.resolve("cnn_int8_cuda.c")).contains("cuLaunchKernel"));
    Run bad = qcc("compile", quantizedCnn().toString(), "--target", "nvptx", "--gpu", "sm_52", "-o", tmp.resolve("gpu2").toString());
    assertEquals(Qcc.BAD_INPUT, bad.code());
    assertEquals("qcc: error: --gpu sm_52 is not a GPU qcc compiles for; use one of sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100, sm_100a, sm_120, sm_120a", bad.err().strip());
  }

  @Test
  void anOpTheBackendCannotLowerFailsAtCompileTimeNamingTheNode() throws Exception {
    Path model = tmp.resolve("squash.qir");
    Files.writeString(model, "graph \"squash\" opsets(\"\" = 17) {\n  input %x: fp32[N,4]\n  %y: fp32[N,4] = HardSigmoid(%x) loc(\"squash\")\n  output %y\n}\n");
    Path out = tmp.resolve("squash-build");
    Run r = qcc("compile", model.toString(), "-o", out.toString());
    assertEquals(Qcc.BAD_INPUT, r.code());
    assertTrue(r.err().startsWith("qcc: error: node 'squash' (HardSigmoid): the LLVM backend cannot lower this op yet"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(Files.exists(out.resolve("squash.o")));
  }

  @Test
  void benchLlvmTimesEveryConfigurationAndChecksBits() throws Exception {
    Run r = qcc("bench", "llvm", "--model", "mlp", "--batch", "20", "--seconds", "0.05", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = Json.MAPPER.readTree(r.out()).get("rows");
    assertEquals(LlvmBenchCommand.CONFIGS.size(), rows.size());
    for (JsonNode row : rows) {
      assertTrue(row.get("bit_exact").asBoolean(), row.toString());
      assertTrue(row.get("llvm_images_per_s").asDouble() > 0 && row.get("onnxruntime_fp32_images_per_s").asDouble() > 0, row.toString());
    }
  }
}
