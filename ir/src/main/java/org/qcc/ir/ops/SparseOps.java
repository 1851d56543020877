// qcc's structured-sparsity op: an N:M compressed tensor expanded to its dense form.
package org.qcc.ir.ops;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;

/**
 * {@code qcc.Densify(values, indices) {n, m, axis}}: along {@code axis}, every group of m dense
 * positions keeps n values. {@code values} and {@code indices} have the dense shape with that
 * axis shortened to {@code dense / m * n}; index j of a group holds the position (0..m-1, strictly
 * increasing within the group) of its value. The other positions are zero. Layers read the dense
 * output, so every pass and kernel works unchanged, while the compressed constants are what
 * backends store and what sparse hardware selects inputs with.
 */
final class SparseOps {
  private SparseOps() {}

  static void register(OpRegistry r) {
    r.add(
        OpDef.builder("qcc", "Densify")
            .summary("expand N:M compressed values and their in-group positions to the dense tensor")
            .inputs(2, 2)
            .requiredAttr("n", "int")
            .requiredAttr("m", "int")
            .requiredAttr("axis", "int")
            .infer(
                ctx -> {
                  if (!ctx.format(0).equals(FloatFormat.FP32)) {
                    throw new ShapeError("Densify values must be fp32, got " + ctx.in(0));
                  }
                  if (!(ctx.format(1) instanceof IntFormat)) {
                    throw new ShapeError("Densify indices must be integers, got " + ctx.in(1));
                  }
                  return List.of(new TensorType(FloatFormat.FP32, denseShape(ctx.shape(0), ctx.shape(1), (int) ctx.i("n"), (int) ctx.i("m"), (int) ctx.i("axis"))));
                })
            .build());
  }

  /** The dense shape, after checking the attributes and that values and indices agree. */
  static Shape denseShape(Shape values, Shape indices, int n, int m, int axis) {
    if (n < 1 || n >= m) {
      throw new ShapeError("N:M sparsity needs 1 <= n < m, got " + n + ":" + m);
    }
    if (!values.ranked()) {
      return Shape.UNRANKED;
    }
    if (axis < 0 || axis >= values.rank()) {
      throw new ShapeError("axis " + axis + " is out of range for " + values);
    }
    if (!values.equals(indices)) {
      throw new ShapeError("values " + values + " and indices " + indices + " must have one shape");
    }
    List<Dim> dims = new ArrayList<>(values.dims());
    if (dims.get(axis) instanceof Dim.Fixed f) {
      if (f.size() % n != 0) {
        throw new ShapeError("axis " + axis + " holds " + f.size() + " values, not a multiple of n=" + n);
      }
      dims.set(axis, Dim.of(f.size() / n * m));
    } else {
      dims.set(axis, Dim.symbol("?"));
    }
    return Shape.of(dims);
  }
}
