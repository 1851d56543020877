// Reusable shape rules: same as an input, broadcasts, fixed output formats.
package org.qcc.ir.ops;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;

/** Shape rules shared by many ops. */
public final class Rules {
  private Rules() {}

  /** Every output has input 0's type. */
  public static ShapeInference sameAsInput0() {
    return ctx -> {
      List<TensorType> out = new ArrayList<>();
      for (int i = 0; i < ctx.outputCount(); i++) {
        out.add(ctx.in(0));
      }
      return out;
    };
  }

  /** Broadcast of all present inputs, format of input {@code formatFrom}. */
  public static ShapeInference broadcast(int formatFrom) {
    return ctx -> List.of(new TensorType(ctx.format(formatFrom), broadcastAll(ctx, 0)));
  }

  /** Broadcast of all present inputs from {@code first}, with a fixed output format. */
  public static ShapeInference broadcastTo(ElementFormat format) {
    return ctx -> List.of(new TensorType(format, broadcastAll(ctx, 0)));
  }

  /** Broadcast of inputs, boolean output (comparisons). */
  public static ShapeInference compare() {
    return broadcastTo(BoolFormat.BOOL);
  }

  static Shape broadcastAll(InferenceContext ctx, int first) {
    Shape s = null;
    for (int i = first; i < ctx.inputCount(); i++) {
      if (ctx.has(i)) {
        s = s == null ? ctx.shape(i) : Dims.broadcast(s, ctx.shape(i));
      }
    }
    return s == null ? Shape.UNRANKED : s;
  }

  /** Requires floating point input {@code i}. */
  static void requireFloat(InferenceContext ctx, int i) {
    if (!ctx.format(i).isFloatingPoint()) {
      throw new ShapeError("input " + i + " must be floating point, got " + ctx.format(i).name());
    }
  }
}
