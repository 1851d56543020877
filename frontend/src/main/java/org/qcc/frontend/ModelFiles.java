// Reading models by file extension: .qir is qcc's textual IR, anything else ONNX.
package org.qcc.frontend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qcc.frontend.onnx.OnnxImporter;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;

/** Models from files, or from a file's bytes sent elsewhere (where no neighbouring files exist). */
public final class ModelFiles {
  private ModelFiles() {}

  public static Graph load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DiagnosticException(file.toString(), "no such file");
    }
    if (!isQir(file.getFileName().toString())) {
      return OnnxImporter.importFile(file);
    }
    try {
      return qir(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new DiagnosticException(file.toString(), "cannot read file: " + e.getMessage());
    }
  }

  /** The model in {@code bytes}, read from a file named {@code name}; ONNX external data is refused. */
  public static Graph parse(byte[] bytes, String name) {
    return isQir(name) ? qir(new String(bytes, StandardCharsets.UTF_8), name) : OnnxImporter.importBytes(bytes, name, null);
  }

  private static boolean isQir(String name) {
    return name.endsWith(".qir");
  }

  private static Graph qir(String text, String source) {
    Graph g = QirParser.parse(text, source);
    Verifier.standard().inferTypes(g);
    Verifier.standard().verifyOrThrow(g);
    return g;
  }
}
