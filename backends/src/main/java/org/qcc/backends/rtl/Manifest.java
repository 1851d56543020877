// The manifest of a design folder written by qcc compile --target rtl, read back by qcc sim and qcc synth.
package org.qcc.backends.rtl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.qcc.ir.DiagnosticException;
import org.qcc.simulator.cycle.Dataflow;

/**
 * A design: its name, top module, sources and defines (relative to the folder), the graph it
 * implements, the folding limits and target cycles per image (0: none) it was compiled with, the
 * cycles per image the slowest layer sets, its test vectors, its layers, its board top level, the
 * schedule the cycle-level model runs, the single-port RAMs it could place weights in, and the
 * file of bytes its load stream takes at start-up (null when no weights are loaded).
 */
public record Manifest(String name, String top, List<String> sources, List<String> defines, String graph, int maxPe, int maxSimd, long targetCycles, long cyclesPerImage, Vectors vectors, List<Layer> layers, Board board, Dataflow dataflow, int spram, String load) {

  /**
   * The design as a serial classifier on a board: the board, its top module, the source holding it
   * (the design's sources come first), the pin constraints, the clock and the line's baud rate; or,
   * when the chain cannot be one, only why ({@code unavailable}).
   */
  public record Board(String board, String top, String source, String pins, int clockHz, int baud, String unavailable) {}

  /** {@code images} test images of {@code inputs} fp32 values each, and the golden {@code outputs} values per image, as raw little-endian files. */
  public record Vectors(int images, int inputs, int outputs, String inputFile, String expectedFile) {}

  /**
   * One layer of the chain: the node it lowers, its weight's shape, a convolution's windows and a
   * pool after it (null when none), formats (the weight's as stored, with the bits of each beat's
   * shift for block-scaled weights, else 0), sparsity ("dense" or "N:M"), folding and pace; what it
   * emits; where its weights are: "logic" (a ROM of one line), "bram" (block RAM the bitstream
   * initializes) or "spram" (single-port RAM the load stream fills at start-up).
   */
  public record Layer(String node, int rows, int cols, Dataflow.Window window, Dataflow.Pool pool, String dataFormat, String weightFormat, int beatShiftBits, String sparsity, int accumulatorBits, int pe, int simd, long cyclesPerImage, String output, String weightMemory) {}

  /** Keys in snake case, the manifest's records and the plan's windows and pools alike. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The serial classifier of design folder {@code dir}, or why there is none. */
  public Board serialClassifier(Path dir) {
    if (board == null || board.top() == null) {
      String why = board == null ? "it was compiled before qcc wrote board top levels (compile it again)" : board.unavailable();
      throw new DiagnosticException(dir.toString(), "the design has no serial classifier for the iCEBreaker: " + why);
    }
    return board;
  }

  /** The design's schedule, or why there is none. */
  public Dataflow dataflow(Path dir) {
    if (dataflow == null) {
      throw new DiagnosticException(dir.toString(), "the design was compiled before qcc wrote its dataflow schedule (compile it again)");
    }
    return dataflow;
  }

  /** The bytes the design's load stream takes at start-up: empty when it loads no weights. */
  public byte[] loadBytes(Path dir) {
    if (load == null) {
      return new byte[0];
    }
    try {
      return Files.readAllBytes(dir.resolve(load));
    } catch (IOException e) {
      throw new DiagnosticException(dir.resolve(load).toString(), "cannot read the weights the design loads at start-up: " + e.getMessage());
    }
  }

  /** Writes the manifest as {@code DIR/NAME.json}. */
  public Path write(Path dir) throws IOException {
    Path file = dir.resolve(name + ".json");
    JSON.writeValue(file.toFile(), this);
    return file;
  }

  /** The manifest of design folder {@code dir}: its one {@code .json} file naming a top module. */
  public static Manifest read(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DiagnosticException(dir.toString(), "not a design folder (write one with qcc compile --target rtl -o DIR)");
    }
    List<Path> candidates;
    try (Stream<Path> files = Files.list(dir)) {
      candidates = files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new DiagnosticException(dir.toString(), "cannot list the design folder: " + e.getMessage());
    }
    Manifest found = null;
    for (Path f : candidates) {
      Manifest m;
      try {
        m = JSON.readValue(f.toFile(), Manifest.class);
      } catch (IOException e) {
        continue;
      }
      if (m.top() == null || m.name() == null || m.layers() == null) {
        continue;
      }
      if (found != null) {
        throw new DiagnosticException(dir.toString(), "holds more than one design manifest (" + found.name() + ".json, " + f.getFileName() + ")");
      }
      found = m;
    }
    if (found == null) {
      throw new DiagnosticException(dir.toString(), "no design manifest here (write one with qcc compile --target rtl -o DIR)");
    }
    return found;
  }
}
