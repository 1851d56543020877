// qcc synth: yosys reports per layer for a compiled design, and designs refused before any tool runs.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.backends.rtl.Manifest;
import org.qcc.backends.rtl.RtlCompiler;
import org.qcc.ir.DiagnosticException;

class SynthesisTest {
  @TempDir Path work;

  /**
   * The int8/int4 network for the UP5K: the report counts LUT4s, flip-flops, carries and DSPs per
   * layer module, the layers and the top level's queues add up to the total, and the report file
   * says the same.
   */
  @Test
  void reportsResourcesPerLayerForTheUp5k() throws IOException {
    assumeTrue(ExternalTool.available("yosys") || System.getenv("CI") != null, "yosys is not installed");
    Random r = new Random(3);
    Path dir = work.resolve("design");
    RtlCompiler.write(TinyNetwork.graph(r, "int8", "0.05", "int4", "0.04", "int8", "0.01", "0.1"), dir, "tiny", 4, 4, 0, perImage -> TinyNetwork.images(r, 2));
    Synthesis.Report report = Synthesis.run(dir, Synthesis.Device.up5k, step -> {});
    assertEquals(List.of("fc1", "fc2"), report.layers().stream().map(Synthesis.LayerResources::node).toList());
    for (Synthesis.LayerResources l : report.layers()) {
      assertTrue(l.resources().getOrDefault("lut4", 0L) > 0 && l.resources().getOrDefault("ff", 0L) > 0, l.toString());
      for (Map.Entry<String, Long> e : l.resources().entrySet()) {
        assertTrue(e.getValue() <= report.total().get(e.getKey()), e.toString());
      }
    }
    assertTrue(report.total().getOrDefault("dsp", 0L) > 0, "the UP5K's DSPs take the multipliers: " + report.total());
    JsonNode file = new ObjectMapper().readTree(report.file().toFile());
    assertEquals(report.total().get("lut4"), file.get("total").get("lut4").asLong());
    assertEquals("Layer1", file.get("layers").get(1).get("module").asText());
    assertEquals(report.fits(), file.get("fits").asBoolean());
    assertFalse(Files.exists(dir.resolve("synth/up5k/report.json.partial")));
  }

  /** Xilinx cell names, 7-series and UltraScale, group into the kinds a designer reads. */
  @Test
  void xilinxCellsGroupIntoResourceKinds() {
    Map<String, Long> cells = Map.of("LUT2", 3L, "LUT6", 4L, "FDRE", 5L, "FDSE", 1L, "CARRY4", 2L, "DSP48E1", 1L, "RAMB36E1", 1L, "RAM32M", 6L, "MUXF7", 2L, "VCC", 1L);
    assertEquals(Map.of("lut", 7L, "ff", 6L, "carry", 2L, "dsp", 1L, "bram36", 1L, "lutram", 6L, "muxf", 2L, "other", 1L), Synthesis.byKind(Synthesis.Device.xc7, cells));
    Map<String, Long> ultraScale = Map.of("LUT5", 2L, "FDRE", 3L, "CARRY8", 1L, "DSP48E2", 2L, "RAMB18E2", 1L, "RAM64M8", 4L, "MUXF9", 1L, "SRLC32E", 1L);
    assertEquals(Map.of("lut", 2L, "ff", 3L, "carry", 1L, "dsp", 2L, "bram18", 1L, "lutram", 4L, "muxf", 1L, "srl", 1L), Synthesis.byKind(Synthesis.Device.xcu, ultraScale));
  }

  /** A layer whose weights alone outgrow the UP5K is refused, naming the layer and the limit, before yosys runs. */
  @Test
  void aDesignTooLargeForTheUp5kIsRefusedBeforeSynthesis() throws IOException {
    Manifest.Layer fc1 = new Manifest.Layer("/fc1/Gemm", 256, 784, null, null, "int8", "int4", 0, "dense", 21, 16, 16, 784, "int8 codes, by thresholds", "bram");
    Manifest m = new Manifest("mlp", "LayerChain", List.of("mlp.sv"), List.of("ENABLE_INITIAL_MEM_"), "mlp.qir", 16, 16, 0, 784, null, List.of(fc1), null, null, 0, null);
    m.write(work);
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> Synthesis.run(work, Synthesis.Device.up5k, step -> {}));
    assertEquals(work + ": layer /fc1/Gemm does not fit the up5k: its 802816 weight bits need at least 196 block RAMs of 4096 bits, the device has 30 (narrower weights, or compile with --device up5k for its single-port RAMs)", e.getMessage());
    assertFalse(Files.exists(work.resolve("synth")));
  }
}
