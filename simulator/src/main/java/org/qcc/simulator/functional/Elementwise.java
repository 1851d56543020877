// Elementwise kernels: unary maps, broadcasting binary ops, comparisons, variadic reductions.
package org.qcc.simulator.functional;

import java.util.List;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;
import java.util.function.LongUnaryOperator;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;

/**
 * Elementwise semantics. Floating-point elements are computed in double and rounded once to
 * the tensor's format; for +, -, *, / on fp32 that equals the correctly rounded fp32 result.
 */
final class Elementwise {
  private Elementwise() {}

  /** A unary map for floating-point tensors; integer inputs use {@code intOp} when given. */
  static Kernel unary(DoubleUnaryOperator op, LongUnaryOperator intOp) {
    return ctx -> List.of(map(ctx.in(0), op, intOp));
  }

  static Kernel unary(DoubleUnaryOperator op) {
    return unary(op, null);
  }

  static Tensor map(Tensor x, DoubleUnaryOperator op, LongUnaryOperator intOp) {
    if (x instanceof FloatTensor f) {
      float[] in = f.data();
      float[] out = new float[in.length];
      if (f.format().bits() == 32) {
        for (int i = 0; i < in.length; i++) {
          out[i] = (float) op.applyAsDouble(in[i]);
        }
        return new FloatTensor(f.format(), f.shape(), out);
      }
    }
    Tensor out = Tensor.zeros(x.format(), x.shape());
    boolean fp = x.format().isFloatingPoint();
    if (!fp && intOp == null) {
      throw new IllegalArgumentException("not defined for " + x.format().name() + " elements");
    }
    for (int i = 0; i < x.size(); i++) {
      if (fp) {
        out.setDouble(i, op.applyAsDouble(x.getDouble(i)));
      } else {
        out.setLong(i, intOp.applyAsLong(x.getLong(i)));
      }
    }
    return out;
  }

  /** A broadcasting binary op with float and (optional) integer semantics. */
  static Kernel binary(DoubleBinaryOperator op, LongBinaryOperator intOp) {
    return ctx -> List.of(zip(ctx.in(0), ctx.in(1), ctx.in(0).format(), op, intOp));
  }

  static Tensor zip(Tensor a, Tensor b, ElementFormat outFormat, DoubleBinaryOperator op, LongBinaryOperator intOp) {
    int[] shape = Broadcast.shape(a.shape(), b.shape());
    boolean fp = a.format().isFloatingPoint() || b.format().isFloatingPoint();
    if (!fp && intOp == null) {
      throw new IllegalArgumentException("not defined for " + a.format().name() + " elements");
    }
    Tensor out = Tensor.zeros(outFormat, shape);
    boolean same = java.util.Arrays.equals(a.shape(), b.shape());
    if (same && a instanceof FloatTensor fa && b instanceof FloatTensor fb && out instanceof FloatTensor fo
        && outFormat.bits() == 32) {
      float[] x = fa.data();
      float[] y = fb.data();
      float[] z = fo.data();
      for (int i = 0; i < z.length; i++) {
        z[i] = (float) op.applyAsDouble(x[i], y[i]);
      }
      return out;
    }
    int[][] offs = same ? null : Broadcast.offsets(shape, a.shape(), b.shape());
    for (int i = 0; i < out.size(); i++) {
      int ia = same ? i : offs[0][i];
      int ib = same ? i : offs[1][i];
      if (fp) {
        double r = op.applyAsDouble(a.getDouble(ia), b.getDouble(ib));
        if (outFormat instanceof BoolFormat) {
          out.setLong(i, r != 0 ? 1 : 0);
        } else {
          out.setDouble(i, r);
        }
      } else {
        out.setLong(i, intOp.applyAsLong(a.getLong(ia), b.getLong(ib)));
      }
    }
    return out;
  }

  /** A comparison: boolean output, same predicate for floats and integers. */
  static Kernel compare(DoubleBinaryOperator floatPred, LongBinaryOperator intPred) {
    return ctx -> List.of(zip(ctx.in(0), ctx.in(1), BoolFormat.BOOL, floatPred, intPred));
  }

  /** Max/Min/Sum/Mean over any number of broadcast inputs. */
  static Kernel variadic(DoubleBinaryOperator op, LongBinaryOperator intOp, boolean mean) {
    return ctx -> {
      Tensor acc = ctx.in(0);
      for (int k = 1; k < ctx.inputCount(); k++) {
        acc = zip(acc, ctx.in(k), acc.format(), op, intOp);
      }
      if (ctx.inputCount() == 1) {
        acc = acc.copy();
      }
      if (mean) {
        int n = ctx.inputCount();
        acc = map(acc, v -> v / n, v -> v / n);
      }
      return List.of(acc);
    };
  }
}
