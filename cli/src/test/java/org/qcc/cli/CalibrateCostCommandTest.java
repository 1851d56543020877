// qcc calibrate-cost: refitting the committed samples reproduces the shipped model; bad input is one line.
package org.qcc.cli;

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
import org.qcc.simulator.cost.CostModel;

class CalibrateCostCommandTest {
  private static final Path HOME = Path.of(System.getProperty("qcc.home", ".."));
  private static final Path SAMPLES = HOME.resolve("simulator/src/test/resources/calibration/xc7-samples.jsonl");

  @TempDir Path tmp;

  /**
   * {@code --fit-only} on the committed xc7 samples prints the held-out errors of the fitted and the
   * analytic model and writes the same model qcc ships, which {@code qcc synth --estimate
   * --cost-model} then reads.
   */
  @Test
  void refittingTheCommittedSamplesGivesTheShippedModel() throws Exception {
    Path model = tmp.resolve("xc7.json");
    Run fit = qcc("calibrate-cost", "--device", "xc7", "--samples", SAMPLES.toString(), "--fit-only", "-o", model.toString(), "--json");
    assertEquals(0, fit.code(), fit.err());
    JsonNode o = Json.MAPPER.readTree(fit.out());
    JsonNode lut = o.get("errors").get("lut");
    assertEquals(CostModel.shipped("xc7").heldOutErrors().get("lut").fitted(), lut.get("fitted").asDouble(), 1e-9);
    assertTrue(lut.get("analytic").asDouble() > lut.get("fitted").asDouble(), lut.toString());
    assertTrue(o.get("held_out").asInt() > 0 && o.get("layers").asInt() > o.get("held_out").asInt(), o.toString());
    assertEquals(CostModel.shipped("xc7").coefficients().keySet(), CostModel.read(model).coefficients().keySet());
    assertEquals(CostModel.shipped("xc7").heldOutErrors(), CostModel.read(model).heldOutErrors());

    Run text = qcc("calibrate-cost", "--device", "xc7", "--samples", SAMPLES.toString(), "--fit-only");
    assertEquals(0, text.code(), text.err());
    assertTrue(text.out().contains("mean absolute percentage error on the held-out layers"), text.out());
    assertTrue(text.out().lines().anyMatch(l -> l.strip().startsWith("lut ")), text.out());
  }

  /** A missing samples file, a device without a calibration and a bad point count each fail in one line and write nothing. */
  @Test
  void badInputFailsInOneLine() {
    Path model = tmp.resolve("m.json");
    Run missing = qcc("calibrate-cost", "--device", "xc7", "--samples", tmp.resolve("none.jsonl").toString(), "--fit-only", "-o", model.toString());
    assertEquals(Qcc.BAD_INPUT, missing.code());
    assertEquals("qcc: error: " + tmp.resolve("none.jsonl") + ": no samples file here (`qcc calibrate-cost` writes one)", missing.err().strip());

    Run other = qcc("calibrate-cost", "--device", "up5k", "--samples", SAMPLES.toString(), "--fit-only");
    assertEquals(Qcc.BAD_INPUT, other.code());
    assertEquals("qcc: error: " + SAMPLES + ": it holds samples for xc7, not up5k (one file per device)", other.err().strip());

    Run points = qcc("calibrate-cost", "--device", "xc7", "--samples", SAMPLES.toString(), "--points", "0");
    assertEquals(Qcc.BAD_INPUT, points.code());
    assertTrue(points.err().contains("--points must be at least 1, got 0"), points.err());
    assertFalse(Files.exists(model));
  }
}
