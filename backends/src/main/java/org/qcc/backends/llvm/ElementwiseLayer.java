// Pointwise layers: ReLU, Erf and the four arithmetic ops with a constant or same-shaped operand.
package org.qcc.backends.llvm;

import java.util.Arrays;
import java.util.function.BiFunction;

/**
 * Elementwise ops over the whole tile. fp32 add, subtract, multiply and divide equal the
 * interpreter's double-then-round results exactly: double carries more than twice fp32's
 * precision, so rounding twice gives the same value as rounding once.
 */
final class ElementwiseLayer {
  private ElementwiseLayer() {}

  /** A function of one float value: (function, operand) to result. */
  private static BiFunction<IrFunction, String, String> of(LayerContext c) {
    return switch (c.node().qualifiedOp()) {
      case "Relu" -> (f, x) -> Ir.relu(f, "float", x);
      // The interpreter's erf of the value as a double, rounded to float.
      case "Erf" -> {
        String erf = RefMathIr.erf(c.globals());
        yield (f, x) -> f.let("fptrunc double " + f.let("call double " + erf + "(double " + f.let("fpext float " + x + " to double") + ")") + " to float");
      }
      default -> throw c.fail("not a unary pointwise op");
    };
  }

  /** Relu or Erf over the tile. */
  static void unary(LayerContext c) {
    IrFunction f = c.f();
    BiFunction<IrFunction, String, String> op = of(c);
    String i = f.forLoop("0", f.let("mul nsw i64 " + c.count() + ", " + LayerContext.elements(c.inShape(0))), 1);
    unaryOf(c, op, i);
    f.endLoop();
  }

  static void unaryAt(LayerContext c) {
    unaryOf(c, of(c), c.index());
  }

  private static void unaryOf(LayerContext c, BiFunction<IrFunction, String, String> op, String i) {
    IrFunction f = c.f();
    String y = op.apply(f, f.let("load float, ptr " + f.floatAt(c.in(0), i) + ", align 4"));
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
