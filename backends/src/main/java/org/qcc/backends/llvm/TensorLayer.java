// Data movement within an image: Transpose, and each output of Split.
package org.qcc.backends.llvm;

import java.util.Arrays;

/**
 * Copies in which output element (b, c) reads input element {@code b * inPer + offset + sum c[d]
 * * inStrides[d]}: a permutation of the per-image axes (Transpose) or one block along an axis
 * (a part of Split, which lowers as one layer per output).
 */
final class TensorLayer {
  private TensorLayer() {}

  private record Gather(int[] outDims, long[] inStrides, long offset, long inPer) {}

  /** The layer over the tile, or (with {@code thread}) one output element. */
  static void emit(LayerContext c, boolean thread) {
    Gather g = gather(c);
    c.eachOutput(g.outDims(), g.inStrides(), g.offset(), g.inPer(), thread, (from, to) -> copy(c, from, to));
  }

  private static void copy(LayerContext c, String from, String to) {
    IrFunction f = c.f();
    f.emit("store float " + f.let("load float, ptr " + f.floatAt(c.in(0), from) + ", align 4") + ", ptr " + f.floatAt(c.out(0), to) + ", align 4");
  }

  private static Gather gather(LayerContext c) {
    int[] in = c.inShape(0);
    long[] strides = IrFunction.strides(in);
    long inPer = LayerContext.elements(in);
    if (c.node().qualifiedOp().equals("Transpose")) {
      long[] perm = c.ints("perm");
      if (perm == null || perm.length != in.length + 1 || perm[0] != 0) {
        throw c.fail("only permutations that keep the batch axis first are supported, got " + (perm == null ? "the default (reversal)" : Arrays.toString(perm)));
      }
      long[] inStrides = new long[in.length];
      for (int d = 0; d < in.length; d++) {
        inStrides[d] = strides[(int) perm[d + 1] - 1];
      }
      return new Gather(c.outShape(0), inStrides, 0, inPer);
    }
    long axis = c.i("axis", 0);
    int a = (int) (axis < 0 ? axis + in.length + 1 : axis) - 1;
    if (a < 0) {
      throw c.fail("splitting along the batch axis is not supported");
    }
    long start = 0;
    for (int q = 0; q < c.part(); q++) {
      start += c.outShape(q)[a];
    }
    return new Gather(c.outShape(c.part()), strides, start * strides[a], inPer);
  }
}
