// Loading and saving models by file extension (.onnx, .qir).
package org.qcc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.qcc.explore.DatasetCalibration;
import org.qcc.frontend.ModelFiles;
import org.qcc.frontend.onnx.OnnxExporter;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.text.QirPrinter;

/** Model files in and out; the format follows the extension. */
public final class Models {
  private Models() {}

  public static Graph load(Path file) {
    return ModelFiles.load(file);
  }

  /** Writes atomically (temporary file, then rename), so a failure leaves no partial output. */
  public static void save(Graph g, Path file) throws IOException {
    String name = file.getFileName().toString();
    byte[] bytes;
    if (name.endsWith(".qir")) {
      bytes = QirPrinter.print(g).getBytes(StandardCharsets.UTF_8);
    } else if (name.endsWith(".onnx")) {
      bytes = OnnxExporter.export(g).toByteArray();
    } else {
      throw new DiagnosticException(file.toString(), "unknown output format (use .onnx or .qir)");
    }
    writeAtomically(file, bytes);
  }

  /** Writes through a temporary file and a rename, so readers never see a partial file. */
  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, ".qcc-", ".tmp");
    try {
      Files.write(tmp, bytes);
      // Temporary files are private (0600); the output is an ordinary file others may read.
      if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Calibration data for data-driven passes: {@code fashion-mnist} or a directory (see {@link DatasetCalibration}). */
  public static DatasetCalibration calibration(String spec) {
    return new DatasetCalibration(spec, home().resolve("data/fashion-mnist-subset"));
  }

  /** The bundled model {@code name} (mlp, cnn, vit); a clear error for any other name. */
  public static Path bundled(String name) {
    Path file = home().resolve("models/fashion_" + name + ".onnx");
    if (!Files.isRegularFile(file)) {
      throw new DiagnosticException(file.toString(), "bundled model '" + name + "' not found (mlp, cnn, vit)");
    }
    return file;
  }

  /** The repository (or install) root: bundled models and data live under it. */
  public static Path home() {
    String h = System.getProperty("qcc.home");
    return Path.of(h == null ? "." : h).toAbsolutePath().normalize();
  }
}
