// Dense packing of element codes into bytes: two 4-bit codes per byte, four 6-bit codes per 3 bytes.
package org.qcc.ir.formats;

/**
 * Packs codes of 1 to 16 bits as one little-endian bit stream: code {@code i} occupies stream bits
 * {@code [i*bits, (i+1)*bits)}, least significant bit first, and stream bit {@code j} is bit {@code
 * j % 8} of byte {@code j / 8}. For 4-bit codes this puts element 0 in the low nibble of byte 0
 * (as ONNX's int4/float4 and OCP MX FP4 storage do); for 6-bit codes four elements fill three
 * bytes, element 0 in the low six bits of byte 0. Unused high bits of the last byte are zero.
 */
public final class Packing {
  private Packing() {}

  /** Bytes needed for {@code count} codes of {@code bits} bits. */
  public static int packedBytes(int count, int bits) {
    checkBits(bits);
    return (int) (((long) count * bits + 7) / 8);
  }

  public static byte[] pack(int[] codes, int bits) {
    checkBits(bits);
    byte[] out = new byte[packedBytes(codes.length, bits)];
    int mask = (1 << bits) - 1;
    long bit = 0;
    for (int code : codes) {
      if ((code & ~mask) != 0) {
        throw new IllegalArgumentException("code " + code + " does not fit in " + bits + " bits");
      }
      for (int done = 0; done < bits; ) {
        int byteIndex = (int) (bit >>> 3);
        int offset = (int) (bit & 7);
        int take = Math.min(8 - offset, bits - done);
        out[byteIndex] |= (byte) (((code >>> done) & ((1 << take) - 1)) << offset);
        done += take;
        bit += take;
      }
    }
    return out;
  }

  public static int[] unpack(byte[] packed, int bits, int count) {
    checkBits(bits);
    if (packed.length < packedBytes(count, bits)) {
      throw new IllegalArgumentException(
          count + " codes of " + bits + " bits need " + packedBytes(count, bits) + " bytes, got " + packed.length);
    }
    int[] codes = new int[count];
    long bit = 0;
    for (int i = 0; i < count; i++) {
      int code = 0;
      for (int done = 0; done < bits; ) {
        int byteIndex = (int) (bit >>> 3);
        int offset = (int) (bit & 7);
        int take = Math.min(8 - offset, bits - done);
        code |= ((packed[byteIndex] & 0xFF) >>> offset & ((1 << take) - 1)) << done;
        done += take;
        bit += take;
      }
      codes[i] = code;
    }
    return codes;
  }

  private static void checkBits(int bits) {
    if (bits < 1 || bits > 16) {
      throw new IllegalArgumentException("packed codes must have 1..16 bits, got " + bits);
    }
  }
}
