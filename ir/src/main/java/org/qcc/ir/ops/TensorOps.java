// Data movement ops: reshapes, concatenation, slicing, gathering, constants.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.i;
import static org.qcc.ir.ops.A.s;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;

/** Declarations of shape and data-movement ops. */
final class TensorOps {
  private TensorOps() {}

  static void register(OpRegistry r) {
    r.add(
        OpDef.builder("Reshape")
            .summary("same elements, new shape (0 copies, -1 infers)")
            .inputs(2)
            .attr("allowzero", i(0))
            .infer(TensorOps::reshape)
            .build());
    r.add(
        OpDef.builder("Flatten")
            .summary("to 2-d at axis")
            .attr("axis", i(1))
            .infer(TensorOps::flatten)
            .build());
    r.add(
        OpDef.builder("Transpose")
            .summary("permute axes (default: reverse)")
            .optionalAttr("perm", "ints")
            .infer(TensorOps::transpose)
            .build());
    r.add(
        OpDef.builder("Squeeze")
            .summary("drop size-1 axes")
            .inputs(1, 2)
            .optionalAttr("axes", "ints")
            .infer(TensorOps::squeeze)
            .build());
    r.add(
        OpDef.builder("Unsqueeze")
            .summary("insert size-1 axes")
            .inputs(1, 2)
            .optionalAttr("axes", "ints")
            .infer(TensorOps::unsqueeze)
            .build());
    r.add(
        OpDef.builder("Concat")
            .summary("join along an axis")
            .inputs(1, Integer.MAX_VALUE)
            .requiredAttr("axis", "int")
            .infer(TensorOps::concat)
            .build());
    r.add(
        OpDef.builder("Split")
            .summary("split along an axis")
            .inputs(1, 2)
            .outputs(1, Integer.MAX_VALUE)
            .attr("axis", i(0))
            .optionalAttr("split", "ints")
            .optionalAttr("num_outputs", "int")
            .infer(TensorOps::split)
            .build());
    r.add(
        OpDef.builder("Slice")
            .summary("strided slice per axis")
            .inputs(1, 5)
            .optionalAttr("starts", "ints")
            .optionalAttr("ends", "ints")
            .optionalAttr("axes", "ints")
            .infer(TensorOps::rankPreservingUnknown)
            .build());
    r.add(
        OpDef.builder("Gather")
            .summary("take entries along an axis by index")
            .inputs(2)
            .attr("axis", i(0))
            .infer(TensorOps::gather)
            .build());
    r.add(
        OpDef.builder("GatherElements")
            .summary("take elements by index tensor")
            .inputs(2)
            .attr("axis", i(0))
            .infer(ctx -> List.of(ctx.in(1).withFormat(ctx.format(0))))
            .build());
    r.add(
        OpDef.builder("Pad")
            .summary("constant, reflect, edge or wrap padding")
            .inputs(1, 4)
            .attr("mode", s("constant"))
            .optionalAttr("pads", "ints")
            .optionalAttr("value", "float")
            .infer(TensorOps::rankPreservingUnknown)
            .build());
    r.add(
        OpDef.builder("Expand")
            .summary("broadcast to a shape")
            .inputs(2)
            .infer(TensorOps::expand)
            .build());
    r.add(
        OpDef.builder("Tile")
            .summary("repeat along each axis")
            .inputs(2)
            .infer(TensorOps::rankPreservingUnknown)
            .build());
    r.add(
        OpDef.builder("Shape")
            .summary("the input's shape as int64")
            .optionalAttr("start", "int")
            .optionalAttr("end", "int")
            .infer(TensorOps::shapeOp)
            .build());
    r.add(
        OpDef.builder("Size")
            .summary("the input's element count")
            .infer(ctx -> List.of(new TensorType(IntFormat.INT64, Shape.SCALAR)))
            .build());
    r.add(
        OpDef.builder("Constant")
            .summary("a constant tensor")
            .inputs(0, 0)
            .optionalAttr("value", "tensor")
            .optionalAttr("value_float", "float")
            .optionalAttr("value_floats", "floats")
            .optionalAttr("value_int", "int")
            .optionalAttr("value_ints", "ints")
            .infer(TensorOps::constant)
            .build());
    r.add(
        OpDef.builder("ConstantOfShape")
            .summary("a tensor of the given shape filled with one value")
            .optionalAttr("value", "tensor")
            .infer(TensorOps::constantOfShape)
            .build());
    r.add(
        OpDef.builder("Range")
            .summary("start, start+delta, ... below limit")
            .inputs(3)
            .infer(ctx -> List.of(new TensorType(ctx.format(0), Shape.unknownDims(1))))
            .build());
    r.add(
        OpDef.builder("DepthToSpace")
            .attr("mode", s("DCR"))
            .requiredAttr("blocksize", "int")
            .infer(ctx -> List.of(ctx.in(0).withShape(Shape.unknownDims(4))))
            .build());
    r.add(
        OpDef.builder("SpaceToDepth")
            .requiredAttr("blocksize", "int")
            .infer(ctx -> List.of(ctx.in(0).withShape(Shape.unknownDims(4))))
            .build());
    r.add(
        OpDef.builder("CumSum")
            .summary("cumulative sum along an axis")
            .inputs(2)
            .attr("exclusive", i(0))
            .attr("reverse", i(0))
            .infer(Rules.sameAsInput0())
            .build());
    r.add(
        OpDef.builder("Trilu")
            .summary("upper or lower triangle of the last two axes")
            .inputs(1, 2)
            .attr("upper", i(1))
            .infer(Rules.sameAsInput0())
            .build());
  }

  /** Values of a constant 1-d integer input, if it is constant. */
  static Optional<long[]> constInts(InferenceContext ctx, int input) {
    if (!ctx.has(input)) {
      return Optional.empty();
    }
    return ctx.constant(input)
        .map(
            t -> {
              long[] v = new long[t.size()];
              for (int k = 0; k < v.length; k++) {
                v[k] = t.getLong(k);
              }
              return v;
            });
  }

  private static List<TensorType> rankPreservingUnknown(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    return List.of(ctx.in(0).withShape(x.ranked() ? Shape.unknownDims(x.rank()) : x));
  }

  private static List<TensorType> reshape(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    Optional<long[]> target = constInts(ctx, 1);
    if (target.isEmpty()) {
      Shape s = ctx.shape(1);
      return List.of(
          ctx.in(0)
              .withShape(
                  s.isStatic() && s.rank() == 1
                      ? Shape.unknownDims((int) Dims.size(s.dim(0)))
                      : Shape.UNRANKED));
    }
    long[] t = target.get();
    boolean allowZero = ctx.i("allowzero") != 0;
    List<Dim> out = new ArrayList<>();
    int inferred = -1;
    for (int k = 0; k < t.length; k++) {
      if (t[k] == -1) {
        if (inferred >= 0) {
          throw new ShapeError("shape " + java.util.Arrays.toString(t) + " has two -1 entries");
        }
        inferred = k;
        out.add(Dims.UNKNOWN);
      } else if (t[k] == 0 && !allowZero) {
        if (!x.ranked() || k >= x.rank()) {
          out.add(Dims.UNKNOWN);
        } else {
          out.add(x.dim(k));
        }
      } else if (t[k] < -1) {
        throw new ShapeError("invalid reshape size " + t[k]);
      } else {
        out.add(Dim.of(t[k]));
      }
    }
    if (x.ranked()) {
      Dim total = Dims.product(x.dims());
      List<Dim> known = new ArrayList<>(out);
      if (inferred >= 0) {
        known.remove(inferred);
      }
      Dim rest = Dims.product(known);
      if (inferred >= 0) {
        out.set(inferred, Dims.quotient(x.dims(), known));
      } else if (total instanceof Dim.Fixed && rest instanceof Dim.Fixed && !total.equals(rest)) {
        throw new ShapeError("cannot reshape " + x + " (" + total + " elements) to " + Shape.of(out));
      }
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> flatten(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(ctx.in(0).withShape(Shape.unknownDims(2)));
    }
    long a = ctx.i("axis");
    int axis = (int) (a < 0 ? a + x.rank() : a);
    if (axis < 0 || axis > x.rank()) {
      throw new ShapeError("axis " + a + " out of range for rank " + x.rank());
    }
    return List.of(
        ctx.in(0)
            .withShape(
                Shape.of(
                    List.of(
                        Dims.product(x.dims().subList(0, axis)),
                        Dims.product(x.dims().subList(axis, x.rank()))))));
  }

  private static List<TensorType> transpose(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(ctx.in(0));
    }
    long[] perm = ctx.ints("perm");
    List<Dim> out = new ArrayList<>();
    boolean[] seen = new boolean[x.rank()];
    for (int k = 0; k < x.rank(); k++) {
      int p = perm == null ? x.rank() - 1 - k : Dims.axis(perm[k], x.rank());
      if (seen[p]) {
        throw new ShapeError("perm repeats axis " + p);
      }
      seen[p] = true;
      out.add(x.dim(p));
    }
    if (perm != null && perm.length != x.rank()) {
      throw new ShapeError("perm has " + perm.length + " entries for rank " + x.rank());
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static long[] axesOf(InferenceContext ctx, int input) {
    long[] attr = ctx.ints("axes");
    return attr != null ? attr : constInts(ctx, input).orElse(null);
  }

  private static List<TensorType> squeeze(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(ctx.in(0));
    }
    long[] axes = axesOf(ctx, 1);
    if (axes == null && ctx.has(1)) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    boolean[] drop = new boolean[x.rank()];
    if (axes == null) {
      for (int k = 0; k < x.rank(); k++) {
        drop[k] = Dims.isFixed(x.dim(k), 1);
      }
    } else {
      for (long a : axes) {
        int k = Dims.axis(a, x.rank());
        if (x.dim(k) instanceof Dim.Fixed f && f.size() != 1) {
          throw new ShapeError("cannot squeeze axis " + a + " of size " + f.size());
        }
        drop[k] = true;
      }
    }
    List<Dim> out = new ArrayList<>();
    for (int k = 0; k < x.rank(); k++) {
      if (!drop[k]) {
        out.add(x.dim(k));
      }
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> unsqueeze(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    long[] axes = axesOf(ctx, 1);
    if (!x.ranked() || axes == null) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    int rank = x.rank() + axes.length;
    boolean[] inserted = new boolean[rank];
    for (long a : axes) {
      int k = Dims.axis(a, rank);
      if (inserted[k]) {
        throw new ShapeError("axes repeat " + a);
      }
      inserted[k] = true;
    }
    List<Dim> out = new ArrayList<>();
    int src = 0;
    for (int k = 0; k < rank; k++) {
      out.add(inserted[k] ? Dim.of(1) : x.dim(src++));
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> concat(InferenceContext ctx) {
    Shape first = ctx.shape(0);
    if (!first.ranked()) {
      return List.of(ctx.in(0));
    }
    int axis = Dims.axis(ctx.i("axis"), first.rank());
    List<Dim> out = new ArrayList<>(first.dims());
    List<Dim> along = new ArrayList<>();
    for (int k = 0; k < ctx.inputCount(); k++) {
      Shape s = ctx.shape(k);
      if (!ctx.format(k).equals(ctx.format(0))) {
        throw new ShapeError("input " + k + " is " + ctx.format(k).name() + ", not " + ctx.format(0).name());
      }
      if (!s.ranked()) {
        return List.of(ctx.in(0).withShape(Shape.unknownDims(first.rank())));
      }
      if (s.rank() != first.rank()) {
        throw new ShapeError("input " + k + " has rank " + s.rank() + ", not " + first.rank());
      }
      along.add(s.dim(axis));
    }
    long sum = 0;
    for (Dim d : along) {
      if (!(d instanceof Dim.Fixed f)) {
        sum = -1;
        break;
      }
      sum += f.size();
    }
    out.set(axis, sum >= 0 ? Dim.of(sum) : Dims.UNKNOWN);
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> split(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    int n = ctx.outputCount();
    List<TensorType> out = new ArrayList<>();
    if (!x.ranked()) {
      for (int k = 0; k < n; k++) {
        out.add(ctx.in(0));
      }
      return out;
    }
    int axis = Dims.axis(ctx.i("axis"), x.rank());
    long[] sizes = ctx.ints("split");
    if (sizes == null) {
      sizes = constInts(ctx, 1).orElse(null);
      if (sizes == null && ctx.has(1)) {
        for (int k = 0; k < n; k++) {
          out.add(ctx.in(0).withShape(Shape.unknownDims(x.rank())));
        }
        return out;
      }
    }
    long total = Dims.size(x.dim(axis));
    for (int k = 0; k < n; k++) {
      List<Dim> d = new ArrayList<>(x.dims());
      Dim part;
      if (sizes != null) {
        if (sizes.length != n) {
          throw new ShapeError("split has " + sizes.length + " sizes for " + n + " outputs");
        }
        part = Dim.of(sizes[k]);
      } else if (total >= 0) {
        long chunk = (total + n - 1) / n;
        part = Dim.of(Math.max(0, Math.min(chunk, total - chunk * k)));
      } else {
        part = Dims.UNKNOWN;
      }
      d.set(axis, part);
      out.add(ctx.in(0).withShape(Shape.of(d)));
    }
    return out;
  }

  private static List<TensorType> gather(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    Shape idx = ctx.shape(1);
    if (!x.ranked() || !idx.ranked()) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    int axis = Dims.axis(ctx.i("axis"), x.rank());
    List<Dim> out = new ArrayList<>(x.dims().subList(0, axis));
    out.addAll(idx.dims());
    out.addAll(x.dims().subList(axis + 1, x.rank()));
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> expand(InferenceContext ctx) {
    Optional<long[]> target = constInts(ctx, 1);
    if (target.isEmpty()) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    return List.of(ctx.in(0).withShape(Dims.broadcast(ctx.shape(0), Shape.of(target.get()))));
  }

  private static List<TensorType> shapeOp(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(new TensorType(IntFormat.INT64, Shape.unknownDims(1)));
    }
    int rank = x.rank();
    long start = ctx.attr("start").isPresent() ? ctx.i("start") : 0;
    long end = ctx.attr("end").isPresent() ? ctx.i("end") : rank;
    start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
    end = Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
    return List.of(TensorType.of(IntFormat.INT64, Math.max(0, end - start)));
  }

  private static List<TensorType> constant(InferenceContext ctx) {
    if (ctx.attr("value").isPresent()) {
      Tensor t = ((org.qcc.ir.Attribute.TensorValue) ctx.attr("value").get()).value();
      return List.of(t.type());
    }
    if (ctx.attr("value_float").isPresent()) {
      return List.of(new TensorType(FloatFormat.FP32, Shape.SCALAR));
    }
    if (ctx.attr("value_int").isPresent()) {
      return List.of(new TensorType(IntFormat.INT64, Shape.SCALAR));
    }
    if (ctx.attr("value_floats").isPresent()) {
      int n = ((org.qcc.ir.Attribute.Floats) ctx.attr("value_floats").get()).values().size();
      return List.of(TensorType.of(FloatFormat.FP32, n));
    }
    if (ctx.attr("value_ints").isPresent()) {
      return List.of(TensorType.of(IntFormat.INT64, ctx.ints("value_ints").length));
    }
    throw new ShapeError("Constant needs one of value, value_float(s), value_int(s)");
  }

  private static List<TensorType> constantOfShape(InferenceContext ctx) {
    var format =
        ctx.attr("value").isPresent()
            ? ((org.qcc.ir.Attribute.TensorValue) ctx.attr("value").get()).value().format()
            : FloatFormat.FP32;
    Optional<long[]> target = constInts(ctx, 0);
    if (target.isPresent()) {
      return List.of(TensorType.of(format, target.get()));
    }
    Shape s = ctx.shape(0);
    return List.of(
        new TensorType(
            format,
            s.isStatic() && s.rank() == 1
                ? Shape.unknownDims((int) Dims.size(s.dim(0)))
                : Shape.UNRANKED));
  }
}
