// Reductions over axes: Reduce* and ArgMax/ArgMin.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.i;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.IntFormat;

/** Declarations of reduction ops. */
final class ReduceOps {
  /** The Reduce ops; their kernels are named after the same strings. */
  static final List<String> REDUCE =
      List.of(
          "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
          "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");

  private ReduceOps() {}

  static void register(OpRegistry r) {
    for (String op : REDUCE) {
      r.add(
          OpDef.builder(op)
              .summary(op.substring(6) + " over axes (all when none given)")
              .inputs(1, 2)
              .attr("keepdims", i(1))
              .attr("noop_with_empty_axes", i(0))
              .optionalAttr("axes", "ints")
              .infer(ReduceOps::reduce)
              .build());
    }
    for (String op : List.of("ArgMax", "ArgMin")) {
      r.add(
          OpDef.builder(op)
              .summary("index of the " + op.substring(3).toLowerCase() + " along an axis")
              .attr("axis", i(0))
              .attr("keepdims", i(1))
              .attr("select_last_index", i(0))
              .infer(ReduceOps::arg)
              .build());
    }
  }

  private static List<TensorType> reduce(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    long[] axes = ctx.ints("axes");
    if (axes == null && ctx.has(1)) {
      axes = TensorOps.constInts(ctx, 1).orElse(null);
      if (axes == null) {
        return List.of(ctx.in(0).withShape(Shape.UNRANKED));
      }
    }
    if (!x.ranked()) {
      return List.of(ctx.in(0));
    }
    boolean keep = ctx.i("keepdims") != 0;
    boolean[] reduced = new boolean[x.rank()];
    if (axes == null || axes.length == 0) {
      if (ctx.i("noop_with_empty_axes") != 0) {
        return List.of(ctx.in(0));
      }
      java.util.Arrays.fill(reduced, true);
    } else {
      for (long a : axes) {
        reduced[Dims.axis(a, x.rank())] = true;
      }
    }
    return List.of(ctx.in(0).withShape(reduceShape(x, reduced, keep)));
  }

  private static Shape reduceShape(Shape x, boolean[] reduced, boolean keep) {
    List<Dim> out = new ArrayList<>();
    for (int k = 0; k < x.rank(); k++) {
      if (!reduced[k]) {
        out.add(x.dim(k));
      } else if (keep) {
        out.add(Dim.of(1));
      }
    }
    return Shape.of(out);
  }

  private static List<TensorType> arg(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(new TensorType(IntFormat.INT64, x));
    }
    boolean[] reduced = new boolean[x.rank()];
    reduced[Dims.axis(ctx.i("axis"), x.rank())] = true;
    return List.of(new TensorType(IntFormat.INT64, reduceShape(x, reduced, ctx.i("keepdims") != 0)));
  }
}
