// Little-endian raw bytes of tensor elements, as ONNX raw_data and .qir base64 literals hold them.
package org.qcc.ir.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.Bf16;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.Fp16;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.ScalarFormat;

/** Encodes tensors to, and decodes them from, the dense little-endian byte layout. */
public final class TensorBytes {
  private TensorBytes() {}

  /** Bytes per element in the dense layout. */
  public static int elementBytes(ElementFormat f) {
    if (f instanceof BoolFormat) {
      return 1;
    }
    if (f instanceof BlockFormat) {
      return 4; // block-quantized values are stored as their fp32 values; codes need the scales
    }
    int bits = f.bits();
    return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
  }

  public static byte[] encode(Tensor t) {
    ElementFormat f = t.format();
    int eb = elementBytes(f);
    ByteBuffer b = ByteBuffer.allocate(t.size() * eb).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < t.size(); i++) {
      if (f.equals(FloatFormat.FP32) || f instanceof BlockFormat) {
        b.putFloat((float) t.getDouble(i));
      } else if (f.equals(FloatFormat.FP64)) {
        b.putDouble(t.getDouble(i));
      } else if (f.equals(FloatFormat.FP16)) {
        b.putShort(Fp16.fromFloat((float) t.getDouble(i)));
      } else if (f.equals(FloatFormat.BF16)) {
        b.putShort(Bf16.fromFloat((float) t.getDouble(i)));
      } else if (f.isFloatingPoint()) {
        putCode(b, ((ScalarFormat) f).encode(t.getDouble(i)), eb);
      } else {
        putCode(b, t.getLong(i), eb);
      }
    }
    return b.array();
  }

  /** Decodes {@code bytes}; throws IllegalArgumentException when the length is wrong. */
  public static Tensor decode(ElementFormat f, int[] shape, byte[] bytes) {
    Tensor t = Tensor.zeros(f, shape);
    int eb = elementBytes(f);
    if ((long) t.size() * eb != bytes.length) {
      throw new IllegalArgumentException(
          "expected " + (long) t.size() * eb + " bytes for " + t.type() + ", got " + bytes.length);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < t.size(); i++) {
      if (f.equals(FloatFormat.FP32) || f instanceof BlockFormat) {
        t.setDouble(i, b.getFloat());
      } else if (f.equals(FloatFormat.FP64)) {
        t.setDouble(i, b.getDouble());
      } else if (f.equals(FloatFormat.FP16)) {
        t.setDouble(i, Fp16.toFloat(b.getShort()));
      } else if (f.equals(FloatFormat.BF16)) {
        t.setDouble(i, Bf16.toFloat(b.getShort()));
      } else if (f.isFloatingPoint()) {
        t.setDouble(i, ((ScalarFormat) f).decode((int) getCode(b, eb)));
      } else {
        long v = getCode(b, eb);
        t.setLong(i, f instanceof IntFormat ? v : (v != 0 ? 1 : 0));
      }
    }
    return t;
  }

  private static void putCode(ByteBuffer b, long v, int bytes) {
    for (int k = 0; k < bytes; k++) {
      b.put((byte) (v >>> (8 * k)));
    }
  }

  private static long getCode(ByteBuffer b, int bytes) {
    long v = 0;
    for (int k = 0; k < bytes; k++) {
      v |= (b.get() & 0xFFL) << (8 * k);
    }
    return v;
  }
}
