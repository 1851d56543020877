// Decoding and encoding of ONNX TensorProto data: raw bytes, typed fields, external files.
package org.qcc.frontend.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.qcc.frontend.onnx.proto.Onnx.StringStringEntryProto;
import org.qcc.frontend.onnx.proto.Onnx.TensorProto;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.text.TensorBytes;

/** TensorProto to Tensor and back. */
public final class TensorProtos {
  private TensorProtos() {}

  /**
   * Decodes {@code t}. {@code modelDir} is where external data may live (null forbids external
   * data); {@code where} names the tensor in diagnostics.
   */
  public static Tensor decode(TensorProto t, Path modelDir, String where) {
    ElementFormat f =
        DataTypes.format(t.getDataType())
            .orElseThrow(
                () ->
                    new DiagnosticException(
                        where, "element type " + DataTypes.name(t.getDataType()) + " is not supported"));
    int[] shape = new int[t.getDimsCount()];
    for (int i = 0; i < shape.length; i++) {
      long d = t.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new DiagnosticException(where, "invalid dimension " + d);
      }
      shape[i] = (int) d;
    }
    int size;
    try {
      size = Tensor.checkedSize(shape);
    } catch (IllegalArgumentException e) {
      throw new DiagnosticException(where, e.getMessage());
    }
    if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      return TensorBytes.decode(f, shape, readExternal(t, modelDir, size * (long) TensorBytes.elementBytes(f), where));
    }
    if (t.hasRawData()) {
      ByteString raw = t.getRawData();
      long expected = (long) size * TensorBytes.elementBytes(f);
      if (raw.size() != expected) {
        throw new DiagnosticException(
            where, "raw_data has " + raw.size() + " bytes, expected " + expected + " for shape " + java.util.Arrays.toString(shape));
      }
      return TensorBytes.decode(f, shape, raw.toByteArray());
    }
    return decodeTyped(t, f, shape, size, where);
  }

  private static Tensor decodeTyped(TensorProto t, ElementFormat f, int[] shape, int size, String where) {
    int code = t.getDataType();
    int count;
    if (f.equals(FloatFormat.FP32)) {
      count = t.getFloatDataCount();
    } else if (f.equals(FloatFormat.FP64)) {
      count = t.getDoubleDataCount();
    } else if (f.equals(IntFormat.INT64)) {
      count = t.getInt64DataCount();
    } else if (code == TensorProto.DataType.UINT32_VALUE || code == TensorProto.DataType.UINT64_VALUE) {
      count = t.getUint64DataCount();
    } else {
      count = t.getInt32DataCount();
    }
    if (count != size) {
      throw new DiagnosticException(where, "has " + count + " elements, expected " + size);
    }
    Tensor out = Tensor.zeros(f, shape);
    for (int i = 0; i < size; i++) {
      if (f.equals(FloatFormat.FP32)) {
        out.setDouble(i, t.getFloatData(i));
      } else if (f.equals(FloatFormat.FP64)) {
        out.setDouble(i, t.getDoubleData(i));
      } else if (f.equals(IntFormat.INT64)) {
        out.setLong(i, t.getInt64Data(i));
      } else if (code == TensorProto.DataType.UINT32_VALUE || code == TensorProto.DataType.UINT64_VALUE) {
        out.setLong(i, t.getUint64Data(i));
      } else if (f.equals(FloatFormat.FP16)) {
        out.setDouble(i, org.qcc.ir.formats.Fp16.toFloat((short) t.getInt32Data(i)));
      } else if (f.equals(FloatFormat.BF16)) {
        out.setDouble(i, org.qcc.ir.formats.Bf16.toFloat((short) t.getInt32Data(i)));
      } else {
        out.setLong(i, t.getInt32Data(i));
      }
    }
    return out;
  }

  private static byte[] readExternal(TensorProto t, Path modelDir, long expected, String where) {
    if (modelDir == null) {
      throw new DiagnosticException(where, "external data is not allowed here");
    }
    String location = null;
    long offset = 0;
    long length = -1;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      try {
        switch (e.getKey()) {
          case "location" -> location = e.getValue();
          case "offset" -> offset = Long.parseLong(e.getValue());
          case "length" -> length = Long.parseLong(e.getValue());
          default -> { }
        }
      } catch (NumberFormatException ex) {
        throw new DiagnosticException(where, "external data " + e.getKey() + " '" + e.getValue() + "' is not a number");
      }
    }
    if (location == null || location.isEmpty()) {
      throw new DiagnosticException(where, "external data has no location");
    }
    Path file = confine(modelDir, location, where);
    if (length >= 0 && length != expected) {
      throw new DiagnosticException(where, "external data length " + length + " != expected " + expected);
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      if (offset < 0 || offset + expected > raf.length()) {
        throw new DiagnosticException(
            where, "external data '" + location + "' is too short (" + raf.length() + " bytes) for offset " + offset + " + " + expected);
      }
      byte[] data = new byte[(int) expected];
      raf.seek(offset);
      raf.readFully(data);
      return data;
    } catch (IOException e) {
      throw new DiagnosticException(where, "cannot read external data '" + location + "': " + e.getMessage());
    }
  }

  /**
   * Resolves an external data location inside the model's folder. Absolute paths, ".."
   * escapes and symlinks that lead outside are rejected: a model must not read arbitrary files.
   */
  static Path confine(Path modelDir, String location, String where) {
    Path rel = Path.of(location);
    if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
      throw new DiagnosticException(where, "external data location '" + location + "' is absolute; it must be relative to the model's folder");
    }
    try {
      Path base = modelDir.toRealPath();
      Path candidate = base.resolve(rel).normalize();
      if (!candidate.startsWith(base)) {
        throw new DiagnosticException(where, "external data location '" + location + "' escapes the model's folder");
      }
      if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
        throw new DiagnosticException(where, "external data file '" + location + "' does not exist");
      }
      Path real = candidate.toRealPath();
      if (!real.startsWith(base)) {
        throw new DiagnosticException(where, "external data location '" + location + "' links outside the model's folder");
      }
      return real;
    } catch (IOException e) {
      throw new DiagnosticException(where, "cannot resolve external data '" + location + "': " + e.getMessage());
    }
  }

  /** Encodes a tensor as a TensorProto with raw_data. */
  public static TensorProto encode(Tensor t, String name) {
    TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(DataTypes.code(t.format()));
    for (int d : t.shape()) {
      b.addDims(d);
    }
    return b.setRawData(ByteString.copyFrom(TensorBytes.encode(t))).build();
  }
}
