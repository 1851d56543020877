// End-to-end tests of the qcc command: outputs, JSON, exit codes and error lines.
package org.qcc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.frontend.npy.Npy;
import org.qcc.ir.Tensor;

class CliTest {
  @TempDir Path tmp;

  record Run(int code, String out, String err) {}

  static Run qcc(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Qcc.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  static String model(String name) {
    return Path.of(System.getProperty("qcc.home", "..")).resolve("models/fashion_" + name + ".onnx").toString();
  }

  @Test
  void everySubcommandTakesHelp() {
    for (String[] command : new String[][] {{"opt"}, {"eval"}, {"sweep-accuracy"}, {"bench", "ptq"}, {"formats"}}) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 1);
      args[command.length] = "--help";
      Run r = qcc(args);
      assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
      assertTrue(r.out().startsWith("Usage: qcc " + String.join(" ", command)), r.out());
    }
  }

  @Test
  void inspectPrintsLayersAndJson() throws Exception {
    Run r = qcc("inspect", model("cnn"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Conv") && r.out().contains("MACs per sample"), r.out());
    Run j = qcc("inspect", model("cnn"), "--json");
    JsonNode o = Json.MAPPER.readTree(j.out());
    assertTrue(o.get("macs").asLong() > 1_000_000);
    assertEquals("fp32[N,10]", o.get("outputs").get(0).get("type").asText());
  }

  @Test
  void optRunsAPipelineAndWritesTheModel() throws Exception {
    Path out = tmp.resolve("vit.qir");
    Run r = qcc("opt", model("vit"), "-p", "canonicalize", "-o", out.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertTrue(o.get("nodes_after").asInt() < o.get("nodes_before").asInt(), r.out());
    assertEquals(4, o.get("statistics").get("remove-identity.nodes-bypassed").asInt(), r.out());
    assertFalse(Files.readString(out).contains("Identity("));
    Run dumps = qcc("opt", out.toString(), "-p", "dce,infer-shapes", "-o", tmp.resolve("again.qir").toString(), "--print-after-all", "--verify-each");
    assertEquals(0, dumps.code(), dumps.err());
    assertTrue(dumps.err().contains("// ----- after dce -----") && dumps.err().contains("// ----- after infer-shapes -----"), dumps.err());
    Run list = qcc("opt", "--list-passes");
    assertTrue(list.out().contains("fold-constants - ") && list.out().contains("max-elements=4194304"), list.out());
  }

  @Test
  void optRejectsBadPipelinesAndWritesNothing() {
    Path out = tmp.resolve("x.qir");
    Run unknown = qcc("opt", model("mlp"), "-p", "canonicalize,fold", "-o", out.toString());
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().startsWith("qcc: error: pipeline: unknown pass 'fold' at column 14"), unknown.err());
    Run option = qcc("opt", model("mlp"), "-p", "fold-constants{max-elements=x}", "-o", out.toString());
    assertEquals(2, option.code());
    assertTrue(option.err().contains("pass 'fold-constants': option 'max-elements' expected an integer"), option.err());
    assertEquals(1, option.err().lines().count(), option.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void optCalibratesFromTheTrainingImagesAndRejectsMissingData() throws Exception {
    Path out = tmp.resolve("mlp_q.qir");
    Run r = qcc("opt", model("mlp"), "-p", "canonicalize,quantize{acts=int8},calibrate{images=64}", "-o", out.toString(), "--stats");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("calibrate.activations-calibrated") && r.out().contains("calibrate.samples"), r.out());
    assertFalse(Files.readString(out).contains("[nan]"));
    Path bad = tmp.resolve("bad.qir");
    Run missing = qcc("opt", model("mlp"), "-p", "canonicalize,quantize{acts=int8},calibrate", "-o", bad.toString(), "--calibration", tmp.resolve("nowhere").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().startsWith("qcc: error: " + tmp.resolve("nowhere") + ": cannot read Fashion-MNIST"), missing.err());
    assertFalse(Files.exists(bad));
  }

  @Test
  void sweepAccuracyWritesTheTableAndResumes() throws Exception {
    Path dir = tmp.resolve("sweep");
    String[] args = {"sweep-accuracy", "--models", "mlp", "--bits", "8-8", "--limit", "200", "--no-sparse", "--calibration-images", "64", "--out", dir.toString(), "--json"};
    Run r = qcc(args);
    assertEquals(0, r.code(), r.err());
    assertEquals(13, Json.MAPPER.readTree(r.out()).get("computed").asInt(), r.out());
    String md = Files.readString(dir.resolve("accuracy.md"));
    for (String row : List.of("| fp32 | fp32 | 32 |", "| int8 | int | 8 |", "| e4m3fin | minifloat | 8 |", "| e7m0fin | minifloat | 8 |", "| bfp8b16 | bfp | 8 |", "| mxfp8_e5m2 | mx | 8 |")) {
      assertTrue(md.contains(row), row + " missing from\n" + md);
    }
    JsonNode results = Json.MAPPER.readTree(dir.resolve("results.json").toFile()).get("results");
    assertEquals(13, results.size());
    for (JsonNode point : results) {
      assertTrue(point.get("top1").asDouble() > 0.5 || point.get("config").asText().startsWith("e7m0"), point.toString());
    }
    Run again = qcc(args);
    assertEquals(0, Json.MAPPER.readTree(again.out()).get("computed").asInt(), "finished points are not recomputed");
    Run bad = qcc("sweep-accuracy", "--bits", "2-8", "--out", dir.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--bits must be LO-HI within 3-8, got '2-8'"), bad.err());
  }

  @Test
  void sweepPtqSelectsMinifloatsTriesEveryTechniqueAndResumes() throws Exception {
    Path dir = tmp.resolve("ptq");
    String[] args = {"sweep-ptq", "--models", "mlp", "--weight-bits", "4", "--act-bits", "8", "--limit", "100", "--calibration-images", "32", "--technique-images", "32", "--out", dir.toString(), "--json"};
    Run r = qcc(args);
    assertEquals(0, r.code(), r.err());
    JsonNode results = Json.MAPPER.readTree(dir.resolve("results.json").toFile()).get("results");
    // fp32, 2 weight splits (e2m1, e3m0), 6 activation splits (e2m5 .. e7m0), 6 techniques for each of int and the best
    // minifloat, 0 or 1 combination.
    int computed = Json.MAPPER.readTree(r.out()).get("computed").asInt();
    assertTrue(computed == 21 || computed == 22, r.out());
    assertEquals(computed, results.size());
    String md = Files.readString(dir.resolve("ptq.md"));
    assertTrue(md.contains("| 4 | 8 | int | int4 / int8 |"), md);
    assertTrue(md.matches("(?s).*\\| 4 \\| 8 \\| minifloat \\| e\\dm\\dfin / e\\dm\\dfin \\|.*"), md);
    assertTrue(md.contains("| mlp | 4 | int |"), "the recovery table has the int row:\n" + md);
    for (JsonNode point : results) {
      assertTrue(point.get("top1").asDouble() > 0.5 || point.get("pipeline").asText().contains("e7m0"), point.toString());
    }
    Run again = qcc(args);
    assertEquals(0, Json.MAPPER.readTree(again.out()).get("computed").asInt(), "finished points are not recomputed");
    args[args.length - 4] = "16"; // --technique-images: new technique points; the old ones leave the file
    JsonNode changed = Json.MAPPER.readTree(qcc(args).out());
    // Kept: fp32, the 8 selection runs, and round-to-nearest and equalize (which reads no images) of both rows; the other
    // 8 single techniques (and any combination) are new.
    assertEquals(13 + changed.get("computed").asInt(), changed.get("points").asInt(), changed.toString());
    assertTrue(changed.get("computed").asInt() >= 8, changed.toString());
    assertFalse(Files.readString(dir.resolve("results.json")).contains("{images=32}"), "points of the old settings are gone");
    Run bad = qcc("sweep-ptq", "--weight-bits", "2", "--out", dir.toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("--weight-bits takes widths within 3-8, got 2"), bad.err());
  }

  @Test
  void demoRunsEveryStepAndWritesTheReport() throws Exception {
    Path out = tmp.resolve("demo");
    Run r = qcc("demo", "--limit", "100", "--json", "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode o = Json.MAPPER.readTree(r.out());
    assertTrue(o.get("top1").asDouble() > 0.85, r.out());
    assertEquals(5, o.get("quantized").size(), r.out());
    for (JsonNode q : o.get("quantized")) {
      assertTrue(q.get("top1").asDouble() > 0.5, q.toString());
    }
    JsonNode llvm = o.get("llvm");
    assertEquals(100, llvm.get("bit_identical_images").asInt(), "the JIT's logits equal the interpreter's: " + llvm);
    assertEquals(o.get("quantized").get(0).get("top1").asDouble(), llvm.get("top1").asDouble());
    // The tiny MLP at PE 1, fc1 at SIMD 4: its 784 / 4 x 32 cycles per image.
    JsonNode hw = o.get("hardware");
    assertEquals(2, hw.get("layers").asInt(), hw.toString());
    assertEquals(784 / 4 * 32, hw.get("cycles_per_image").asDouble(), 1);
    assertEquals(1, hw.get("up5k_resources_estimate").get("spram").asInt(), hw.toString());
    assertEquals("/fc1/Gemm", hw.get("bottleneck").asText());
    assertTrue(hw.get("top1").asDouble() > 0.7 && hw.get("energy_estimate_nj").asDouble() > 0, hw.toString());
    assertTrue(hw.get("up5k_resources_estimate").get("lut4").asLong() > 100, hw.toString());
    if (org.qcc.testbenches.Verilator.available()) {
      assertTrue(o.get("verilator").get("bit_exact").asBoolean() && o.get("verilator").get("cycle_model_agrees").asBoolean(), o.get("verilator").toString());
    } else {
      assertTrue(o.get("verilator").get("skipped").asText().contains("apt-get install verilator"), o.toString());
    }
    if (org.qcc.testbenches.Synthesis.available()) {
      assertTrue(o.get("yosys").get("fits").asBoolean() && o.get("yosys").get("lut4").asLong() > 100, o.get("yosys").toString());
    }
    assertEquals(32, o.get("explore").get("points").asInt(), o.get("explore").toString());
    assertTrue(Files.readString(out.resolve("report.html")).contains("<svg class=\"plot\""));
  }

  @Test
  void benchPtqTimesEveryTechnique() throws Exception {
    Run r = qcc("bench", "ptq", "--images", "16", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = Json.MAPPER.readTree(r.out()).get("rows");
    assertEquals(6, rows.size(), r.out());
    for (JsonNode row : rows) {
      assertTrue(row.get("seconds").asDouble() > 0 && row.get("top1").asDouble() > 0.5, row.toString());
    }
  }

  @Test
  void convertRoundTripsThroughQir() throws Exception {
    Path qir = tmp.resolve("mlp.qir");
    assertEquals(0, qcc("convert", model("mlp"), "-o", qir.toString()).code());
    Path onnx = tmp.resolve("mlp.onnx");
    assertEquals(0, qcc("convert", qir.toString(), "-o", onnx.toString()).code());
    Path qir2 = tmp.resolve("mlp2.qir");
    assertEquals(0, qcc("convert", onnx.toString(), "-o", qir2.toString()).code());
    assertEquals(Files.readString(qir), Files.readString(qir2));
  }

  @Test
  void runWritesOutputsAsNpy() throws Exception {
    FashionMnist data = FashionMnist.load(Path.of(System.getProperty("qcc.home", "..")).resolve("data/fashion-mnist-subset"));
    Path in = tmp.resolve("x.npy");
    Npy.write(data.batch(0, 3), in);
    Run r = qcc("run", model("cnn"), "-i", "input=" + in, "-o", tmp.resolve("out").toString(), "--json");
    assertEquals(0, r.code(), r.err());
    Tensor logits = Npy.read(tmp.resolve("out/logits.npy"));
    assertEquals("fp32[3,10]", logits.type().toString());
  }

  @Test
  void evalOnTheBundledSubsetIsAccurate() throws Exception {
    Run r = qcc("eval", model("mlp"), "--limit", "200", "--json", "--data-dir",
        Path.of(System.getProperty("qcc.home", "..")).resolve("data/fashion-mnist-subset").toString());
    assertEquals(0, r.code(), r.err());
    double top1 = Json.MAPPER.readTree(r.out()).get("top1").asDouble();
    assertTrue(top1 > 0.8, "top-1 " + top1);
  }

  @Test
  void benchInterpTimesBothEnginesAndChecksAgreement() throws Exception {
    Run r = qcc("bench", "interp", "--model", "mlp,cnn", "--batch", "8", "--seconds", "0.05", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = Json.MAPPER.readTree(r.out()).get("rows");
    assertEquals(2, rows.size());
    for (JsonNode row : rows) {
      assertEquals(8, row.get("argmax_agree").asInt(), row.toString());
      assertTrue(row.get("max_abs_diff").asDouble() < 1e-3, row.toString());
      assertTrue(row.get("ratio").asDouble() > 0 && row.get("qcc_ms").asDouble() > 0, row.toString());
    }
    assertEquals(2, qcc("bench", "interp", "--model", "resnet").code());
  }

  @Test
  void formatsShowListsEveryCode() throws Exception {
    JsonNode o = Json.MAPPER.readTree(qcc("formats", "show", "e4m3fn", "--json").out());
    assertEquals(256, o.get("codes").size());
    assertEquals(448.0, o.get("codes").get(0x7E).get("value").asDouble());
    assertEquals("NaN", o.get("codes").get(0x7F).get("value").asText());
    assertTrue(qcc("formats", "list").out().contains("mxfp4_e2m1"));
    Run bad = qcc("formats", "show", "e4m3b999");
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("bias of e4m3 must be in"), bad.err());
  }

  @Test
  void qtensorQuantizesAndReportsTheError() throws Exception {
    float[] w = new float[64 * 32];
    java.util.Random r = new java.util.Random(4);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    Path in = tmp.resolve("w.npy");
    Npy.write(Tensor.ofFloats(new int[] {64, 32}, w), in);
    Path out = tmp.resolve("q.npy");
    Run run = qcc("qtensor", in.toString(), "--format", "int4", "--axis", "0", "-o", out.toString(), "--json");
    assertEquals(0, run.code(), run.err());
    JsonNode o = Json.MAPPER.readTree(run.out());
    assertEquals(64, o.get("scales").asInt());
    assertTrue(o.get("sqnr_db").asDouble() > 15 && o.get("sqnr_db").asDouble() < 25, run.out());
    float[] q = ((org.qcc.ir.FloatTensor) Npy.read(out)).data();
    org.qcc.ir.formats.Quantizer quant =
        new org.qcc.ir.formats.Quantizer(new org.qcc.ir.formats.IntFormat(4, true, false), new org.qcc.ir.formats.Granularity.PerChannel(0), org.qcc.ir.formats.ScaleFormat.FP32);
    float[] want = new float[w.length];
    quant.fakeQuantize(w, new int[] {64, 32}, quant.scales(w, new int[] {64, 32}), org.qcc.ir.formats.Rounding.NEAREST_EVEN, 0, want);
    org.junit.jupiter.api.Assertions.assertArrayEquals(want, q);
    Run mx = qcc("qtensor", in.toString(), "--format", "mxfp4_e2m1", "--block-axis", "0", "-o", out.toString(), "--json");
    assertEquals(0, mx.code(), mx.err());
    Path none = tmp.resolve("none.npy");
    Run bad = qcc("qtensor", in.toString(), "--format", "mxfp4_e2m1", "--axis", "0", "-o", none.toString());
    assertEquals(2, bad.code());
    assertFalse(Files.exists(none));
  }

  @Test
  void benchFormatsTimesEveryRow() throws Exception {
    Run r = qcc("bench", "formats", "--rows", "64", "--cols", "64", "--runs", "1", "--peer", "none", "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode rows = Json.MAPPER.readTree(r.out()).get("rows");
    assertEquals(6, rows.size());
    for (JsonNode row : rows) {
      assertTrue(row.get("qcc_elements_per_s").asDouble() > 0, row.toString());
    }
    Run missing = qcc("bench", "formats", "--rows", "64", "--cols", "64", "--runs", "1", "--peer", tmp.resolve("no-python").toString());
    assertEquals(3, missing.code(), missing.err());
    assertTrue(missing.err().contains("python3-torch"), missing.err());
  }

  @Test
  void badInputIsOneLineAndExitCodeTwo() throws Exception {
    Path garbage = tmp.resolve("garbage.onnx");
    Files.write(garbage, new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
    Run r = qcc("inspect", garbage.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("qcc: error: " + garbage), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("at org."), "no stack trace: " + r.err());

    Run missing = qcc("inspect", tmp.resolve("nope.onnx").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("no such file"), missing.err());

    Run usage = qcc("run", model("cnn"));
    assertEquals(2, usage.code());
  }

  @Test
  void wrongInputShapeNamesTheInput() throws Exception {
    Path in = tmp.resolve("bad.npy");
    Npy.write(Tensor.zeros(org.qcc.ir.formats.FloatFormat.FP32, 2, 28, 28), in);
    Run r = qcc("run", model("cnn"), "-i", in.toString(), "-o", tmp.resolve("o").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("input 'input'") && r.err().contains("rank"), r.err());
    assertFalse(Files.exists(tmp.resolve("o/logits.npy")));
  }
}
