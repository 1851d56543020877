// Random byte mutations of the bundled models end in a valid graph or a clean diagnostic.
package org.qcc.frontend.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;

class MutatedModelTest {
  private static final int CASES = 1200;

  @Test
  void everyMutationIsValidOrACleanError() throws Exception {
    List<byte[]> models = List.of(
        Files.readAllBytes(BundledModelsTest.model("mlp")),
        Files.readAllBytes(BundledModelsTest.model("cnn")),
        Files.readAllBytes(BundledModelsTest.model("vit")));
    SplittableRandom rnd = new SplittableRandom(20261123L);
    int valid = 0;
    int rejected = 0;
    for (int c = 0; c < CASES; c++) {
      byte[] bytes = models.get(c % models.size()).clone();
      int kind = rnd.nextInt(4);
      if (kind == 3) {
        bytes = java.util.Arrays.copyOf(bytes, rnd.nextInt(bytes.length));
      } else {
        int flips = 1 + rnd.nextInt(kind == 0 ? 1 : 16);
        for (int k = 0; k < flips; k++) {
          // Mutations concentrate on the graph structure at the front and back of the file.
          int at = rnd.nextBoolean() ? rnd.nextInt(Math.min(bytes.length, 4096)) : rnd.nextInt(bytes.length);
          bytes[at] = kind == 2 ? (byte) rnd.nextInt(256) : (byte) (bytes[at] ^ (1 << rnd.nextInt(8)));
        }
      }
      try {
        Graph g = OnnxImporter.importBytes(bytes, "case" + c, null);
        Verifier.standard().verifyOrThrow(g);
        valid++;
      } catch (DiagnosticException e) {
        assertTrue(e.getMessage().startsWith("case" + c), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        rejected++;
      } catch (RuntimeException e) {
        fail("case " + c + " (mutation kind " + kind + ") threw " + e, e);
      }
    }
    assertTrue(valid > 0 && rejected > 0, "valid " + valid + ", rejected " + rejected);
  }
}
