// Pointwise layers: ReLU and the four arithmetic ops with a constant or same-shaped operand.
package org.qcc.backends.llvm;

import java.util.Arrays;

/**
 * Elementwise ops over the whole tile. fp32 add, subtract, multiply and divide equal the
 * interpreter's double-then-round results exactly: double carries more than twice fp32's
 * precision, so rounding twice gives the same value as rounding once.
 */
final class ElementwiseLayer {
  private ElementwiseLayer() {}

  static void relu(LayerContext c) {
    IrFunction f = c.f();
    String i = f.forLoop("0", f.let("mul nsw i64 " + c.count() + ", " + LayerContext.elements(c.inShape(0))), 1);
    reluOf(c, i);
    f.endLoop();
  }

  static void reluAt(LayerContext c) {
    reluOf(c, c.index());
  }

  private static void reluOf(LayerContext c, String i) {
    IrFunction f = c.f();
    String y = Ir.relu(f, "float", f.let("load float, ptr " + f.floatAt(c.in(0), i) + ", align 4"));
    f.emit("store float " + y + ", ptr " + f.floatAt(c.out(0), i) + ", align 4");
  }

  /** {@code op}: fadd, fsub, fmul or fdiv, over a tile. */
  static void binary(LayerContext c, String op) {
    IrFunction f = c.f();
    long per = LayerContext.elements(c.outShape(0));
    Operands o = operands(c);
    String b = f.forLoop("0", c.count(), 1);
    String base = f.let("mul nsw i64 " + b + ", " + per);
    String i = f.forLoop("0", String.valueOf(per), 1);
    binaryOf(c, op, o, f.add(base, i), i);
    f.endLoop();
    f.endLoop();
  }

  static void binaryAt(LayerContext c, String op) {
    Operands o = operands(c);
    binaryOf(c, op, o, c.index(), c.f().let("urem i64 " + c.index() + ", " + LayerContext.elements(c.outShape(0))));
  }

  /** Both operands as pointers; a constant one holds a single image's worth, broadcast. */
  private record Operands(String[] pointer, boolean[] perImage) {}

  private static Operands operands(LayerContext c) {
    String[] operand = new String[2];
    boolean[] perImage = new boolean[2];
    for (int k = 0; k < 2; k++) {
      if (c.constant(k).isPresent()) {
        operand[k] = c.global(broadcast(c, k, c.outShape(0)));
        perImage[k] = true;
      } else if (!Arrays.equals(c.inShape(k), c.outShape(0))) {
        throw c.fail("run-time operands of different shapes " + Arrays.toString(c.inShape(0)) + " and " + Arrays.toString(c.inShape(1)) + " are not supported");
      } else {
        operand[k] = c.in(k);
      }
    }
    return new Operands(operand, perImage);
  }

  /** Element {@code at} of the output; {@code within} is its offset inside its image. */
  private static void binaryOf(LayerContext c, String op, Operands o, String at, String within) {
    IrFunction f = c.f();
    String[] v = new String[2];
    for (int k = 0; k < 2; k++) {
      v[k] = f.let("load float, ptr " + f.floatAt(o.pointer()[k], o.perImage()[k] ? within : at) + ", align 4");
    }
    f.emit("store float " + f.let(op + " float " + v[0] + ", " + v[1]) + ", ptr " + f.floatAt(c.out(0), at) + ", align 4");
  }

  /** A constant operand expanded to one image's shape; it may not vary along the batch. */
  private static float[] broadcast(LayerContext c, int k, int[] image) {
    float[] v = c.constantFloats(k, "operand");
    int[] s = c.constantShape(k);
    int rank = image.length + 1;
    if (s.length > rank || s.length == rank && s[0] != 1) {
      throw c.fail("a constant operand of shape " + Arrays.toString(s) + " varies along the batch");
    }
    int[] full = new int[image.length];
    for (int d = 0; d < image.length; d++) {
      int from = d - image.length + s.length;
      full[d] = from < 0 ? 1 : s[from];
      if (full[d] != 1 && full[d] != image[d]) {
        throw c.fail("a constant operand of shape " + Arrays.toString(s) + " does not broadcast to " + Arrays.toString(image));
      }
    }
    int n = (int) LayerContext.elements(image);
    float[] out = new float[n];
    int[] idx = new int[image.length];
    for (int e = 0; e < n; e++) {
      int src = 0;
      for (int d = 0; d < image.length; d++) {
        src = src * full[d] + (full[d] == 1 ? 0 : idx[d]);
      }
      out[e] = v[src];
      for (int d = image.length - 1; d >= 0 && ++idx[d] == image[d]; d--) {
        idx[d] = 0;
      }
    }
    return out;
  }
}
