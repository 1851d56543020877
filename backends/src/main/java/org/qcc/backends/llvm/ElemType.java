// The element types the GEMM multiplies: fp32 values, exact integer codes in fp32 or fp64, or 16-bit integer codes.
package org.qcc.backends.llvm;

/**
 * An operand element type of {@link GemmEmitter} and the type its sums accumulate in. {@link #I16}
 * multiplies pairs of 16-bit codes into 32-bit sums (one {@code pmaddwd} on x86), so its panels
 * hold B's rows two at a time, interleaved, and A's rows are padded to an even length.
 */
enum ElemType {
  FLOAT("float", "float", 4, 1),
  DOUBLE("double", "double", 8, 1),
  I16("i16", "i32", 2, 2);

  private final String ir;
  private final String acc;
  private final int bytes;
  private final int pack;

  ElemType(String ir, String acc, int bytes, int pack) {
    this.ir = ir;
    this.acc = acc;
    this.bytes = bytes;
    this.pack = pack;
  }

  /** The IR type of one element. */
  String ir() {
    return ir;
  }

  /** The IR type of a sum. */
  String acc() {
    return acc;
  }

  int bytes() {
    return bytes;
  }

  /** Consecutive k that one multiply instruction takes per output: 2 for {@link #I16}, else 1. */
  int pack() {
    return pack;
  }

  /** Sums per SIMD vector of {@code floatLanes} floats (one register): half as many doubles. */
  int lanes(int floatLanes) {
    return this == DOUBLE ? Math.max(1, floatLanes / 2) : floatLanes;
  }

  /** {@code k} rounded up to a whole number of {@link #pack()}s: the length of a row of A. */
  long padded(long k) {
    return (k + pack - 1) / pack * pack;
  }

  /** Row-major A (m x k) with its rows padded to {@link #padded} length by zeros. */
  float[] paddedRows(float[] a, int m, long k) {
    long length = padded(k);
    if (length == k) {
      return a;
    }
    float[] p = new float[(int) (m * length)];
    for (int i = 0; i < m; i++) {
      System.arraycopy(a, (int) (i * k), p, (int) (i * length), (int) k);
    }
    return p;
  }
}
