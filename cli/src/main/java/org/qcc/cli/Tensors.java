// Tensor files for qcc run: .npy and ONNX TensorProto .pb.
package org.qcc.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qcc.frontend.npy.Npy;
import org.qcc.frontend.onnx.TensorProtos;
import org.qcc.frontend.onnx.proto.Onnx.TensorProto;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Tensor;

/** Reads a tensor file by extension; a .pb also carries its tensor's name. */
final class Tensors {
  record Named(String name, Tensor tensor) {}

  private Tensors() {}

  /** Whether two outputs agree bit for bit, the test every backend must pass against the interpreter. */
  static boolean sameBits(float[] a, float[] b) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
        return false;
      }
    }
    return true;
  }

  static Named read(Path file) {
    String n = file.getFileName().toString();
    if (n.endsWith(".npy")) {
      return new Named(null, Npy.read(file));
    }
    if (n.endsWith(".pb")) {
      try {
        TensorProto t = TensorProto.parseFrom(Files.readAllBytes(file));
        return new Named(t.getName().isEmpty() ? null : t.getName(), TensorProtos.decode(t, null, file.toString()));
      } catch (IOException e) {
        throw new DiagnosticException(file.toString(), "not a valid TensorProto file: " + e.getMessage());
      }
    }
    throw new DiagnosticException(file.toString(), "unknown tensor file type (use .npy or .pb)");
  }
}
