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

  static void emit(LayerContext c) {
    Gather g = gather(c);
    IrFunction f = c.f();
    long outPer = LayerContext.elements(g.outDims());
    String b = f.forLoop("0", c.count(), 1);
    String inBase = f.mulAdd(b, g.inPer(), String.valueOf(g.offset()));
    String outBase = f.let("mul nsw i64 " + b + ", " + outPer);
    String[] at = f.forLoops(g.outDims());
    copy(c, f.offset(inBase, at, g.inStrides()), f.offset(outBase, at, IrFunction.strides(g.outDims())));
    f.endLoops(at.length);
    f.endLoop();
  }

  static void emitAt(LayerContext c) {
    Gather g = gather(c);
    IrFunction f = c.f();
    String[] at = f.coordinates(c.index(), g.outDims());
    String inBase = f.mulAdd(at[0], g.inPer(), String.valueOf(g.offset()));
    copy(c, f.offset(inBase, Arrays.copyOfRange(at, 1, at.length), g.inStrides()), c.index());
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
