// Reading and writing NumPy .npy files: the one place every command uses for tensors on disk.
package org.qcc.frontend.npy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.text.TensorBytes;

/** .npy version 1/2/3, C order, little-endian numeric dtypes and bool. */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  public static Tensor read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DiagnosticException(file.toString(), "cannot read file: " + e.getMessage());
    }
    return parse(bytes, file.toString());
  }

  public static Tensor parse(byte[] b, String where) {
    if (b.length < 10 || !java.util.Arrays.equals(java.util.Arrays.copyOf(b, 6), MAGIC)) {
      throw new DiagnosticException(where, "not a .npy file (bad magic)");
    }
    int major = b[6];
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    int headerLen;
    int start;
    if (major == 1) {
      headerLen = bb.getShort(8) & 0xFFFF;
      start = 10;
    } else if (major == 2 || major == 3) {
      headerLen = bb.getInt(8);
      start = 12;
    } else {
      throw new DiagnosticException(where, "unsupported .npy version " + major);
    }
    if (headerLen < 0 || start + headerLen > b.length) {
      throw new DiagnosticException(where, "truncated .npy header");
    }
    String header = new String(b, start, headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher o = ORDER.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !o.find() || !s.find()) {
      throw new DiagnosticException(where, "cannot parse .npy header: " + header.trim());
    }
    if (o.group(1).equals("True")) {
      throw new DiagnosticException(where, "Fortran-order arrays are not supported; save with C order");
    }
    if (d.group(1).equals(">")) {
      throw new DiagnosticException(where, "big-endian arrays are not supported");
    }
    ElementFormat f = format(d.group(2), Integer.parseInt(d.group(3)), where);
    String[] parts = s.group(1).split(",");
    java.util.List<Integer> dims = new java.util.ArrayList<>();
    for (String p : parts) {
      if (!p.isBlank()) {
        try {
          dims.add(Integer.parseInt(p.trim()));
        } catch (NumberFormatException e) {
          throw new DiagnosticException(where, "bad shape in .npy header: (" + s.group(1) + ")");
        }
      }
    }
    int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
    byte[] data = java.util.Arrays.copyOfRange(b, start + headerLen, b.length);
    try {
      long expected = (long) Tensor.checkedSize(shape) * TensorBytes.elementBytes(f);
      if (data.length < expected) {
        throw new DiagnosticException(where, "truncated .npy data: " + data.length + " bytes, expected " + expected);
      }
      return TensorBytes.decode(f, shape, java.util.Arrays.copyOf(data, (int) expected));
    } catch (IllegalArgumentException e) {
      throw new DiagnosticException(where, e.getMessage());
    }
  }

  private static ElementFormat format(String kind, int bytes, String where) {
    ElementFormat f =
        switch (kind) {
          case "f" -> bytes == 4 ? FloatFormat.FP32 : bytes == 8 ? FloatFormat.FP64 : bytes == 2 ? FloatFormat.FP16 : null;
          case "i" -> bytes <= 8 ? new IntFormat(bytes * 8, true, false) : null;
          case "u" -> bytes <= 8 ? new IntFormat(bytes * 8, false, false) : null;
          case "b" -> bytes == 1 ? BoolFormat.BOOL : null;
          default -> null;
        };
    if (f == null) {
      throw new DiagnosticException(where, "unsupported .npy dtype " + kind + bytes);
    }
    return f;
  }

  private static String descr(ElementFormat f) {
    if (f instanceof BoolFormat) {
      return "|b1";
    }
    if (f instanceof FloatFormat ff) {
      return switch (ff.name()) {
        case "fp32" -> "<f4";
        case "fp64" -> "<f8";
        case "fp16" -> "<f2";
        default -> throw new IllegalArgumentException(".npy has no " + f.name() + "; cast to fp32 first");
      };
    }
    IntFormat i = (IntFormat) f;
    if (i.bits() != 8 && i.bits() != 16 && i.bits() != 32 && i.bits() != 64) {
      throw new IllegalArgumentException(".npy has no " + f.name());
    }
    return (i.bits() == 8 ? "|" : "<") + (i.signed() ? "i" : "u") + i.bits() / 8;
  }

  public static byte[] toBytes(Tensor t) {
    Tensor out = t.format().equals(FloatFormat.BF16) ? t.cast(FloatFormat.FP32) : t;
    StringBuilder shape = new StringBuilder("(");
    for (int d : out.shape()) {
      shape.append(d).append(", ");
    }
    if (out.rank() > 1) {
      shape.setLength(shape.length() - 2);
    } else if (out.rank() == 1) {
      shape.setLength(shape.length() - 1);
    }
    shape.append(')');
    String header = "{'descr': '" + descr(out.format()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = 10 + header.length() + 1;
    int pad = (64 - total % 64) % 64;
    header = header + " ".repeat(pad) + "\n";
    byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
    byte[] data = TensorBytes.encode(out);
    ByteBuffer bb = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    bb.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) h.length).put(h).put(data);
    return bb.array();
  }

  /** Writes atomically: a temporary file renamed into place, so no partial file is left. */
  public static void write(Tensor t, Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp)) {
      os.write(toBytes(t));
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
