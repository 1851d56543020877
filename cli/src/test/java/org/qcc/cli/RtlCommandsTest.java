// qcc compile --target rtl, qcc sim --verilator and qcc synth, end to end on the bundled MLP.
package org.qcc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.qcc.cli.CliTest.qcc;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.cli.CliTest.Run;
import org.qcc.testbenches.Folders;
import org.qcc.testbenches.Verilator;

class RtlCommandsTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));

  @TempDir Path tmp;

  /**
   * The MLP with int4 weights and int8 activations compiled with PE 8: the design folder, its
   * manifest and test vectors;
   * {@code qcc synth} refuses it for the UP5K before yosys runs, and estimates its xc7 resources
   * per layer with the shipped cost model, and for the UP5K that it would not fit; {@code qcc sim} (the cycle-level
   * model) finds fc1's pace and names it the bottleneck; {@code qcc sim --verilator} on the 100 test
   * images is bit-exact on that schedule, and the model's counts equal Verilator's. An fp32 model is refused before anything is
   * written.
   */
  @Test
  void compileForRtlThenSimulateTheDesignBitExactly() throws Exception {
    Path q = tmp.resolve("mlp_int4.qir");
    Run opt = qcc("opt", HOME.resolve("models/fashion_mlp.onnx").toString(), "-p", "canonicalize,quantize{weights=int4,acts=int8},calibrate", "-o", q.toString());
    assertEquals(0, opt.code(), opt.err());
    Path out = tmp.resolve("hw");
    Run r = qcc("compile", q.toString(), "--target", "rtl", "-o", out.toString(), "--pe", "8", "--simd", "16", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertEquals(3, o.get("layers").asInt());
    // fc1 paces the chain: (256 / 8) * (784 / 16).
    assertEquals(32 * 49, o.get("cycles_per_image").asLong());
    JsonNode manifest = Json.MAPPER.readTree(out.resolve("mlp_int4.json").toFile());
    assertEquals("int4", manifest.get("layers").get(0).get("weight_format").asText());
    assertEquals("dense", manifest.get("layers").get(0).get("sparsity").asText());
    assertEquals(8, manifest.get("layers").get(1).get("simd").asInt());
    assertEquals(5, manifest.get("layers").get(2).get("pe").asInt());
    assertEquals(100, manifest.get("vectors").get("images").asInt());
    assertEquals(100 * 784 * 4, Files.size(out.resolve("vectors/inputs.f32")));
    assertEquals(100 * 10 * 4, Files.size(out.resolve("vectors/expected.f32")));
    assertTrue(Files.readString(out.resolve("mlp_int4.sv")).contains("$readmemh(\"weights/layer0_pe7.hex\""));
    assertTrue(Files.exists(out.resolve("mlp_int4.qir")));

    Run fp32 = qcc("compile", HOME.resolve("models/fashion_mlp.onnx").toString(), "--target", "rtl", "-o", tmp.resolve("hw2").toString());
    assertEquals(Qcc.BAD_INPUT, fp32.code());
    assertEquals("qcc: error: node '/fc1/Gemm' (Gemm): the hardware chain starts with the input's qcc.FakeQuant (run quantize and calibrate)", fp32.err().strip());
    assertFalse(Files.exists(tmp.resolve("hw2")));

    Run synth = qcc("synth", out.toString(), "--device", "up5k");
    assertEquals(Qcc.BAD_INPUT, synth.code());
    assertEquals("qcc: error: " + out + ": layer /fc1/Gemm does not fit the up5k: its 802816 weight bits need at least 196 block RAMs of 4096 bits, the device has 30 (narrower weights, or compile with --device up5k for its single-port RAMs)", synth.err().strip());
    assertFalse(Files.exists(out.resolve("synth")));

    Run estimate = qcc("synth", out.toString(), "--device", "xc7", "--estimate", "--json");
    assertEquals(0, estimate.code(), estimate.err());
    JsonNode e = Json.MAPPER.readTree(estimate.out());
    assertTrue(e.get("estimated").asBoolean());
    assertEquals(3, e.get("layers").size());
    long luts = 0;
    for (JsonNode layer : e.get("layers")) {
      luts += layer.get("resources").get("lut").asLong();
    }
    assertEquals(e.get("total").get("lut").asLong(), luts);
    assertTrue(e.get("held_out_errors").get("lut").get("layers").asInt() > 0, e.toString());
    assertFalse(Files.exists(out.resolve("synth")), "an estimate runs no synthesis");
    assertTrue(e.get("synthesized_layers").isNull(), e.toString());
    // Next to a synthesis report, each layer's counts come back as the model counts them: a RAMB36 is two 18 Kb blocks.
    Files.createDirectories(out.resolve("synth/xc7"));
    Files.writeString(out.resolve("synth/xc7/report.json"), "{\"layers\": [{\"resources\": {\"lut\": 900, \"bram18\": 1, \"bram36\": 2, \"other\": 5}}]}");
    JsonNode withReport = Json.MAPPER.readTree(qcc("synth", out.toString(), "--device", "xc7", "--estimate", "--json").out());
    assertEquals(Json.MAPPER.readTree("[{\"bram\": 5, \"lut\": 900}]"), withReport.get("synthesized_layers"));
    Run text = qcc("synth", out.toString(), "--device", "xc7", "--estimate");
    assertTrue(text.out().contains("    synthesized: {bram=5, lut=900} (LUTs "), text.out());
    Folders.delete(out.resolve("synth"));
    Run up5k = qcc("synth", out.toString(), "--device", "up5k", "--estimate", "--json");
    assertEquals(0, up5k.code(), up5k.err());
    JsonNode u = Json.MAPPER.readTree(up5k.out());
    assertFalse(u.get("fits").asBoolean(), u.toString());
    assertEquals(30, u.get("capacity").get("bram").asInt());
    assertTrue(u.get("total").get("bram").asLong() >= 196, u.toString());
    assertTrue(qcc("synth", out.toString(), "--device", "up5k", "--estimate").out().contains("  would NOT fit (bram "), "the estimate names what the UP5K lacks");

    Run cycles = qcc("sim", out.toString(), "--json", "--images", "1000", "--clock-mhz", "200");
    assertEquals(0, cycles.code(), cycles.err());
    JsonNode c = Json.MAPPER.readTree(cycles.out());
    assertEquals("cycle", c.get("simulator").asText());
    assertEquals(1000, c.get("images").asInt());
    assertEquals(32 * 49, c.get("cycles_per_image").asDouble(), 32 * 49 * 0.02);
    assertEquals(200e6 / c.get("cycles_per_image").asDouble(), c.get("images_per_second").asDouble(), 1e-6);
    assertEquals("/fc1/Gemm", c.get("bottleneck").asText());
    JsonNode energy = c.get("energy");
    assertTrue(energy.get("source").asText().contains("Horowitz"), energy.toString());
    double parts = 0;
    for (String part : new String[] {"multiply", "accumulate", "weights", "buffers", "requantize"}) {
      parts += energy.get(part + "_nj").asDouble();
    }
    assertEquals(energy.get("estimate_nj_per_image").asDouble(), parts, 1e-9 * parts);
    // 784 x 256 + 256 x 128 + 128 x 10 products of int4 and int8 codes, 0.2 pJ x (4 x 8) / 64 each.
    assertEquals((784 * 256 + 256 * 128 + 128 * 10) * 0.1e-3, energy.get("multiply_nj").asDouble(), 1e-6);

    assumeTrue(Verilator.available() || System.getenv("CI") != null, "verilator is not installed");
    Run sim = qcc("sim", "--verilator", out.toString(), "--json");
    assertEquals(0, sim.code(), sim.err());
    JsonNode s = Json.MAPPER.readTree(sim.out());
    assertEquals(100, s.get("images").asInt());
    assertEquals(1000, s.get("outputs").asInt());
    assertEquals(0, s.get("mismatches").asInt());
    assertTrue(s.get("cycle_model_agrees").asBoolean(), "the cycle-level model counts Verilator's cycles");
    // fc2 replays 16 neuron folds per image from one input buffer while the other takes the next
    // image, so it never holds fc1 up.
    assertEquals(32 * 49, s.get("cycles_per_image").asDouble(), 32 * 49 * 0.02);
  }

  /**
   * The tiny MLP (int4) compiled for the UP5K at SIMD 4: fc1's weights go to one single-port RAM,
   * its load stream holds its 6,272 two-byte lines, and the UP5K estimate counts that RAM and no
   * block RAM for those weights, where the same design compiled generically needs 25 more; an
   * unknown device is refused.
   */
  @Test
  void compilingForTheUp5kLoadsTheLargestWeightsIntoSinglePortRam() throws Exception {
    Path q = tmp.resolve("tiny.qir");
    assertEquals(0, qcc("opt", HOME.resolve("models/fashion_tiny.onnx").toString(), "-p", "canonicalize,quantize{weights=int4,acts=int4},calibrate", "-o", q.toString()).code());
    Path out = tmp.resolve("tiny_sp");
    Run r = qcc("compile", q.toString(), "--target", "rtl", "-o", out.toString(), "--pe", "1", "--simd", "4", "--device", "up5k", "--vectors", "10", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertEquals("[\"/fc1/Gemm\"]", o.get("loaded_layers").toString());
    JsonNode manifest = Json.MAPPER.readTree(out.resolve("tiny.json").toFile());
    assertEquals("spram", manifest.get("layers").get(0).get("weight_memory").asText());
    assertEquals("bram", manifest.get("layers").get(1).get("weight_memory").asText());
    assertEquals(6272 * 2, Files.size(out.resolve(manifest.get("load").asText())));
    assertFalse(Files.exists(out.resolve("weights/layer0_pe0.hex")), "loaded weights have no memory file");
    assertTrue(qcc("compile", q.toString(), "--target", "rtl", "-o", out.toString(), "--pe", "1", "--simd", "4", "--device", "up5k").out().contains("weights of /fc1/Gemm loaded at start-up into single-port RAMs"));

    JsonNode loaded = Json.MAPPER.readTree(qcc("synth", out.toString(), "--device", "up5k", "--estimate", "--json").out());
    assertEquals(1, loaded.get("total").get("spram").asInt(), loaded.toString());
    Path generic = tmp.resolve("tiny_bram");
    assertEquals(0, qcc("compile", q.toString(), "--target", "rtl", "-o", generic.toString(), "--pe", "1", "--simd", "4", "--vectors", "10").code());
    assertFalse(Files.exists(generic.resolve("weights/load.bin")));
    JsonNode built = Json.MAPPER.readTree(qcc("synth", generic.toString(), "--device", "up5k", "--estimate", "--json").out());
    assertTrue(built.get("total").path("spram").asInt() == 0 && built.get("total").get("bram").asInt() >= loaded.get("total").get("bram").asInt() + 25, built.toString());

    Run wide = qcc("compile", q.toString(), "--target", "rtl", "-o", tmp.resolve("wide").toString(), "--pe", "2", "--simd", "16", "--device", "up5k", "--vectors", "10");
    assertTrue(wide.out().contains("no weights in single-port RAMs: the largest weights, /fc1/Gemm's, would take 8 of the 4 at PE 2 and SIMD 16"), wide.out());

    Run unknown = qcc("compile", q.toString(), "--target", "rtl", "-o", tmp.resolve("x").toString(), "--device", "up6k");
    assertEquals(Qcc.BAD_INPUT, unknown.code());
    assertTrue(unknown.err().contains("--device"), unknown.err());
  }

  @Test
  void simulatingSomethingThatIsNotADesignFailsInOneLine() throws Exception {
    Run none = qcc("sim", "--verilator", tmp.resolve("nowhere").toString());
    assertEquals(Qcc.BAD_INPUT, none.code());
    assertEquals("qcc: error: " + tmp.resolve("nowhere") + ": not a design folder (write one with qcc compile --target rtl -o DIR)", none.err().strip());

    Files.writeString(tmp.resolve("notes.json"), "{\"unrelated\": true}");
    Run empty = qcc("sim", "--verilator", tmp.toString());
    assertEquals(Qcc.BAD_INPUT, empty.code());
    assertEquals("qcc: error: " + tmp + ": no design manifest here (write one with qcc compile --target rtl -o DIR)", empty.err().strip());

    Run model = qcc("sim", tmp.toString());
    assertEquals(Qcc.BAD_INPUT, model.code());
    assertEquals("qcc: error: " + tmp + ": no design manifest here (write one with qcc compile --target rtl -o DIR)", model.err().strip());

    Run serial = qcc("sim", tmp.toString(), "--serial");
    assertEquals(Qcc.BAD_INPUT, serial.code());
    assertTrue(serial.err().startsWith("qcc: error: --serial needs --verilator"), serial.err());
  }
}
