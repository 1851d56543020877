// Neural-network layer ops: convolution, dense layers, normalization, pooling.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.f;
import static org.qcc.ir.ops.A.i;
import static org.qcc.ir.ops.A.s;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.IntFormat;

/** Declarations of layer ops. */
final class NnOps {
  private NnOps() {}

  static void register(OpRegistry r) {
    r.add(
        windowed("Conv")
            .summary("N-d convolution with groups, dilations and padding")
            .inputs(2, 3)
            .attr("group", i(1))
            .optionalAttr("kernel_shape", "ints")
            .infer(NnOps::conv)
            .build());
    r.add(
        windowed("ConvTranspose")
            .summary("transposed (fractionally strided) convolution")
            .inputs(2, 3)
            .attr("group", i(1))
            .optionalAttr("kernel_shape", "ints")
            .optionalAttr("output_padding", "ints")
            .optionalAttr("output_shape", "ints")
            .infer(NnOps::convTranspose)
            .build());
    r.add(
        OpDef.builder("Gemm")
            .summary("alpha * A' * B' + beta * C")
            .inputs(2, 3)
            .attr("alpha", f(1.0f))
            .attr("beta", f(1.0f))
            .attr("transA", i(0))
            .attr("transB", i(0))
            .infer(NnOps::gemm)
            .build());
    r.add(
        OpDef.builder("MatMul")
            .summary("numpy matmul with batch broadcasting")
            .inputs(2)
            .infer(NnOps::matmul)
            .build());
    r.add(
        OpDef.builder("BatchNormalization")
            .summary("inference-mode batch normalization over the channel axis")
            .inputs(5)
            .outputs(1, 3)
            .attr("epsilon", f(1e-5f))
            .attr("momentum", f(0.9f))
            .attr("training_mode", i(0))
            .attr("spatial", i(1))
            .infer(
                ctx -> {
                  if (ctx.outputCount() > 1 || ctx.i("training_mode") != 0) {
                    throw new ShapeError("training mode is not supported");
                  }
                  return List.of(ctx.in(0));
                })
            .build());
    r.add(
        OpDef.builder("LayerNormalization")
            .summary("normalization over the trailing axes from axis")
            .inputs(2, 3)
            .outputs(1, 3)
            .attr("axis", i(-1))
            .attr("epsilon", f(1e-5f))
            .attr("stash_type", i(1))
            .infer(NnOps::layerNorm)
            .build());
    r.add(
        OpDef.builder("InstanceNormalization")
            .summary("per-instance, per-channel normalization")
            .inputs(3)
            .attr("epsilon", f(1e-5f))
            .infer(ctx -> List.of(ctx.in(0)))
            .build());
    r.add(
        OpDef.builder("LRN")
            .summary("local response normalization across channels")
            .attr("alpha", f(1e-4f))
            .attr("beta", f(0.75f))
            .attr("bias", f(1.0f))
            .requiredAttr("size", "int")
            .infer(ctx -> List.of(ctx.in(0)))
            .build());
    r.add(
        windowed("MaxPool")
            .summary("max pooling")
            .outputs(1, 2)
            .attr("ceil_mode", i(0))
            .attr("storage_order", i(0))
            .requiredAttr("kernel_shape", "ints")
            .infer(
                ctx -> {
                  TensorType y = pool(ctx);
                  return ctx.outputCount() == 1
                      ? List.of(y)
                      : List.of(y, y.withFormat(IntFormat.INT64));
                })
            .build());
    r.add(
        windowed("AveragePool")
            .summary("average pooling")
            .attr("ceil_mode", i(0))
            .attr("count_include_pad", i(0))
            .requiredAttr("kernel_shape", "ints")
            .infer(ctx -> List.of(pool(ctx)))
            .build());
    r.add(
        windowed("LpPool")
            .summary("Lp-norm pooling")
            .attr("ceil_mode", i(0))
            .attr("p", i(2))
            .requiredAttr("kernel_shape", "ints")
            .infer(ctx -> List.of(pool(ctx)))
            .build());
    for (String op : List.of("GlobalAveragePool", "GlobalMaxPool")) {
      r.add(
          OpDef.builder(op)
              .summary(op.substring(6) + " over all spatial dims")
              .infer(NnOps::globalPool)
              .build());
    }
  }

  private static OpDef.Builder windowed(String op) {
    return OpDef.builder(op)
        .attr("auto_pad", s("NOTSET"))
        .optionalAttr("dilations", "ints")
        .optionalAttr("pads", "ints")
        .optionalAttr("strides", "ints");
  }

  private static List<TensorType> conv(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    Shape w = ctx.shape(1);
    if (!w.isStatic()) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    long[] ws = w.sizes().orElseThrow();
    long[] kernel = ctx.ints("kernel_shape");
    if (kernel == null) {
      kernel = java.util.Arrays.copyOfRange(ws, 2, ws.length);
    }
    long group = ctx.i("group");
    if (x.ranked()) {
      if (x.rank() != ws.length) {
        throw new ShapeError("input " + x + " and weight " + w + " ranks differ");
      }
      long c = Dims.size(x.dim(1));
      if (c >= 0 && c != ws[1] * group) {
        throw new ShapeError(
            "input has " + c + " channels but weight " + w + " with group " + group + " expects "
                + ws[1] * group);
      }
    }
    if (ctx.has(2) && ctx.shape(2).isStatic()) {
      long[] b = ctx.shape(2).sizes().orElseThrow();
      if (b.length != 1 || b[0] != ws[0]) {
        throw new ShapeError("bias " + ctx.shape(2) + " must be [" + ws[0] + "]");
      }
    }
    return List.of(
        ctx.in(0).withShape(Windows.output(ctx, x, kernel, Dim.of(ws[0]), false)));
  }

  private static List<TensorType> convTranspose(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    Shape w = ctx.shape(1);
    if (!w.isStatic() || !x.ranked()) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    long[] ws = w.sizes().orElseThrow();
    int spatial = x.rank() - 2;
    long[] kernel = ctx.ints("kernel_shape");
    if (kernel == null) {
      kernel = java.util.Arrays.copyOfRange(ws, 2, ws.length);
    }
    long[] strides = Windows.orOnes(ctx.ints("strides"), spatial);
    long[] dilations = Windows.orOnes(ctx.ints("dilations"), spatial);
    long[] outPad = ctx.ints("output_padding");
    long[] pads = ctx.ints("pads");
    long[] outShape = ctx.ints("output_shape");
    List<Dim> out = new ArrayList<>();
    out.add(x.dim(0));
    out.add(Dim.of(ws[1] * ctx.i("group")));
    for (int d = 0; d < spatial; d++) {
      if (outShape != null) {
        out.add(Dim.of(outShape[outShape.length - spatial + d]));
        continue;
      }
      long in = Dims.size(x.dim(d + 2));
      if (in < 0) {
        out.add(Dims.UNKNOWN);
        continue;
      }
      long full =
          strides[d] * (in - 1) + (outPad == null ? 0 : outPad[d]) + (kernel[d] - 1) * dilations[d] + 1;
      String autoPad = ctx.s("auto_pad");
      long total = pads == null || !autoPad.equals("NOTSET") ? 0 : pads[d] + pads[d + spatial];
      out.add(Dim.of(autoPad.startsWith("SAME") ? in * strides[d] : full - total));
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> gemm(InferenceContext ctx) {
    Shape a = ctx.shape(0);
    Shape b = ctx.shape(1);
    if (!a.ranked() || !b.ranked()) {
      return List.of(ctx.in(0).withShape(Shape.unknownDims(2)));
    }
    if (a.rank() != 2 || b.rank() != 2) {
      throw new ShapeError("Gemm needs 2-d inputs, got " + a + " and " + b);
    }
    boolean ta = ctx.i("transA") != 0;
    boolean tb = ctx.i("transB") != 0;
    Dim m = a.dim(ta ? 1 : 0);
    Dim ka = a.dim(ta ? 0 : 1);
    Dim kb = b.dim(tb ? 1 : 0);
    Dim n = b.dim(tb ? 0 : 1);
    checkSame(ka, kb, a, b);
    Shape y = Shape.of(List.of(m, n));
    if (ctx.has(2)) {
      Dims.broadcast(y, ctx.shape(2));
    }
    return List.of(ctx.in(0).withShape(y));
  }

  private static void checkSame(Dim ka, Dim kb, Shape a, Shape b) {
    if (ka instanceof Dim.Fixed && kb instanceof Dim.Fixed && !ka.equals(kb)) {
      throw new ShapeError("inner dimensions of " + a + " and " + b + " differ");
    }
  }

  private static List<TensorType> matmul(InferenceContext ctx) {
    Shape a = ctx.shape(0);
    Shape b = ctx.shape(1);
    if (!a.ranked() || !b.ranked()) {
      return List.of(ctx.in(0).withShape(Shape.UNRANKED));
    }
    if (a.rank() == 0 || b.rank() == 0) {
      throw new ShapeError("MatMul inputs must not be scalars");
    }
    List<Dim> ad = new ArrayList<>(a.dims());
    List<Dim> bd = new ArrayList<>(b.dims());
    boolean aVec = ad.size() == 1;
    boolean bVec = bd.size() == 1;
    if (aVec) {
      ad.add(0, Dim.of(1));
    }
    if (bVec) {
      bd.add(Dim.of(1));
    }
    checkSame(ad.get(ad.size() - 1), bd.get(bd.size() - 2), a, b);
    Shape batch =
        Dims.broadcast(
            Shape.of(ad.subList(0, ad.size() - 2)), Shape.of(bd.subList(0, bd.size() - 2)));
    List<Dim> out = new ArrayList<>(batch.dims());
    if (!aVec) {
      out.add(ad.get(ad.size() - 2));
    }
    if (!bVec) {
      out.add(bd.get(bd.size() - 1));
    }
    return List.of(ctx.in(0).withShape(Shape.of(out)));
  }

  private static List<TensorType> layerNorm(InferenceContext ctx) {
    List<TensorType> out = new ArrayList<>();
    out.add(ctx.in(0));
    Shape x = ctx.shape(0);
    for (int k = 1; k < ctx.outputCount(); k++) {
      if (!x.ranked()) {
        out.add(ctx.in(0));
        continue;
      }
      int axis = Dims.axis(ctx.i("axis"), x.rank());
      List<Dim> d = new ArrayList<>(x.dims());
      for (int j = axis; j < d.size(); j++) {
        d.set(j, Dim.of(1));
      }
      out.add(ctx.in(0).withShape(Shape.of(d)));
    }
    return out;
  }

  private static TensorType pool(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    Dim c = x.ranked() && x.rank() >= 2 ? x.dim(1) : Dims.UNKNOWN;
    return ctx.in(0)
        .withShape(Windows.output(ctx, x, ctx.ints("kernel_shape"), c, ctx.i("ceil_mode") != 0));
  }

  private static List<TensorType> globalPool(InferenceContext ctx) {
    Shape x = ctx.shape(0);
    if (!x.ranked()) {
      return List.of(ctx.in(0));
    }
    if (x.rank() < 3) {
      throw new ShapeError("global pooling needs rank 3 or more, got " + x);
    }
    List<Dim> d = new ArrayList<>(x.dims().subList(0, 2));
    for (int k = 2; k < x.rank(); k++) {
      d.add(Dim.of(1));
    }
    return List.of(ctx.in(0).withShape(Shape.of(d)));
  }
}
