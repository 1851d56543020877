// The interpreter's kernel for every op of the registry.
package org.qcc.simulator.functional;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.simulator.functional.ConvKernels.PoolKind;
import org.qcc.simulator.functional.NormKernels.SoftmaxKind;

/** Op key to kernel. A test checks that every op in the registry has one. */
public final class Kernels {
  private static final Map<String, Kernel> KERNELS = build();

  private Kernels() {}

  public static Optional<Kernel> lookup(String opKey) {
    return Optional.ofNullable(KERNELS.get(opKey));
  }

  private static Map<String, Kernel> build() {
    Map<String, Kernel> k = new HashMap<>();
    k.put("qcc.FakeQuant", QuantKernels::fakeQuant);
    k.put("qcc.Densify", SparseKernels::densify);
    k.put("qonnx.custom_op.general.Quant", QonnxKernels::quant);
    k.put("qonnx.custom_op.general.IntQuant", QonnxKernels::quant);
    k.put("qonnx.custom_op.general.BipolarQuant", QonnxKernels::bipolarQuant);
    k.put("qonnx.custom_op.general.Trunc", QonnxKernels::trunc);
    k.put("qonnx.custom_op.general.FloatQuant", QonnxKernels::floatQuant);
    k.put("Relu", Elementwise.unary(v -> v > 0 ? v : (v == 0 ? 0 : (Double.isNaN(v) ? v : 0)), v -> Math.max(0, v)));
    k.put("LeakyRelu", ctx -> {
      double a = ctx.f("alpha");
      return List.of(Elementwise.map(ctx.in(0), v -> v >= 0 ? v : (float) a * v, null));
    });
    k.put("PRelu", Elementwise.binary((x, s) -> x >= 0 ? x : x * s, (x, s) -> x >= 0 ? x : x * s));
    k.put("Elu", ctx -> {
      double a = ctx.f("alpha");
      return List.of(Elementwise.map(ctx.in(0), v -> v >= 0 ? v : a * (RefMath.exp(v) - 1), null));
    });
    k.put("Celu", ctx -> {
      double a = ctx.f("alpha");
      return List.of(Elementwise.map(ctx.in(0), v -> Math.max(0, v) + Math.min(0, a * (RefMath.exp(v / a) - 1)), null));
    });
    k.put("Selu", ctx -> {
      double a = ctx.f("alpha");
      double g = ctx.f("gamma");
      return List.of(Elementwise.map(ctx.in(0), v -> v > 0 ? g * v : g * (a * RefMath.exp(v) - a), null));
    });
    k.put("ThresholdedRelu", ctx -> {
      double a = ctx.f("alpha");
      return List.of(Elementwise.map(ctx.in(0), v -> v > a ? v : 0, null));
    });
    k.put("HardSigmoid", ctx -> {
      double a = ctx.f("alpha");
      double b = ctx.f("beta");
      return List.of(Elementwise.map(ctx.in(0), v -> Math.max(0, Math.min(1, a * v + b)), null));
    });
    k.put("HardSwish", Elementwise.unary(v -> v * Math.max(0, Math.min(1, v / 6 + 0.5))));
    k.put("Sigmoid", Elementwise.unary(v -> 1 / (1 + RefMath.exp(-v))));
    k.put("Tanh", Elementwise.unary(Math::tanh));
    k.put("Erf", Elementwise.unary(RefMath::erf));
    k.put("Gelu", ctx -> {
      boolean tanh = ctx.s("approximate").equals("tanh");
      return List.of(
          Elementwise.map(
              ctx.in(0),
              tanh
                  ? v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))
                  : v -> 0.5 * v * (1 + RefMath.erf(v / Math.sqrt(2))),
              null));
    });
    k.put("Softplus", Elementwise.unary(v -> Math.log1p(RefMath.exp(v))));
    k.put("Softsign", Elementwise.unary(v -> v / (1 + Math.abs(v))));
    k.put("Mish", Elementwise.unary(v -> v * Math.tanh(Math.log1p(RefMath.exp(v)))));
    k.put("Abs", Elementwise.unary(Math::abs, Math::abs));
    k.put("Neg", Elementwise.unary(v -> -v, v -> -v));
    k.put("Sign", Elementwise.unary(Math::signum, Long::signum));
    k.put("Exp", Elementwise.unary(Math::exp));
    k.put("Log", Elementwise.unary(Math::log));
    k.put("Sqrt", Elementwise.unary(Math::sqrt));
    k.put("Reciprocal", Elementwise.unary(v -> 1 / v));
    k.put("Floor", Elementwise.unary(Math::floor));
    k.put("Ceil", Elementwise.unary(Math::ceil));
    k.put("Round", Elementwise.unary(Math::rint));
    k.put("Sin", Elementwise.unary(Math::sin));
    k.put("Cos", Elementwise.unary(Math::cos));
    k.put("Tan", Elementwise.unary(Math::tan));
    k.put("Asin", Elementwise.unary(Math::asin));
    k.put("Acos", Elementwise.unary(Math::acos));
    k.put("Atan", Elementwise.unary(Math::atan));
    k.put("Sinh", Elementwise.unary(Math::sinh));
    k.put("Cosh", Elementwise.unary(Math::cosh));
    k.put("Asinh", Elementwise.unary(v -> Math.log(v + Math.sqrt(v * v + 1))));
    k.put("Acosh", Elementwise.unary(v -> Math.log(v + Math.sqrt(v * v - 1))));
    k.put("Atanh", Elementwise.unary(v -> 0.5 * Math.log((1 + v) / (1 - v))));
    k.put("Identity", ctx -> List.of(ctx.in(0)));
    k.put("Not", Elementwise.unary(v -> v == 0 ? 1 : 0, v -> v == 0 ? 1 : 0));
    k.put("IsNaN", ctx -> List.of(Elementwise.zip(ctx.in(0), ctx.in(0), org.qcc.ir.formats.BoolFormat.BOOL, (a, b) -> Double.isNaN(a) ? 1 : 0, null)));
    k.put("IsInf", ctx -> {
      boolean neg = ctx.i("detect_negative") != 0;
      boolean pos = ctx.i("detect_positive") != 0;
      return List.of(
          Elementwise.zip(ctx.in(0), ctx.in(0), org.qcc.ir.formats.BoolFormat.BOOL,
              (a, b) -> (pos && a == Double.POSITIVE_INFINITY) || (neg && a == Double.NEGATIVE_INFINITY) ? 1 : 0, null));
    });
    k.put("Add", Elementwise.binary(Double::sum, Long::sum));
    k.put("Sub", Elementwise.binary((a, b) -> a - b, (a, b) -> a - b));
    k.put("Mul", Elementwise.binary((a, b) -> a * b, (a, b) -> a * b));
    k.put("Div", Elementwise.binary((a, b) -> a / b, (a, b) -> {
      if (b == 0) {
        throw new IllegalArgumentException("integer division by zero");
      }
      return a / b;
    }));
    k.put("Pow", ctx -> {
      Tensor a = ctx.in(0);
      return List.of(Elementwise.zip(a, ctx.in(1), a.format(), Math::pow, (x, y) -> (long) Math.pow(x, y)));
    });
    k.put("Mod", ctx -> {
      boolean fmod = ctx.i("fmod") != 0;
      return List.of(
          Elementwise.zip(ctx.in(0), ctx.in(1), ctx.in(0).format(),
              fmod ? (a, b) -> a % b : (a, b) -> a - Math.floor(a / b) * b,
              fmod ? (a, b) -> a % b : Math::floorMod));
    });
    k.put("BitShift", ctx -> {
      boolean left = ctx.s("direction").equals("LEFT");
      return List.of(Elementwise.zip(ctx.in(0), ctx.in(1), ctx.in(0).format(), null,
          left ? (a, b) -> a << b : (a, b) -> a >>> b));
    });
    k.put("BitwiseAnd", Elementwise.binary(null, (a, b) -> a & b));
    k.put("BitwiseOr", Elementwise.binary(null, (a, b) -> a | b));
    k.put("And", Elementwise.compare((a, b) -> a != 0 && b != 0 ? 1 : 0, (a, b) -> a != 0 && b != 0 ? 1 : 0));
    k.put("Or", Elementwise.compare((a, b) -> a != 0 || b != 0 ? 1 : 0, (a, b) -> a != 0 || b != 0 ? 1 : 0));
    k.put("Xor", Elementwise.compare((a, b) -> (a != 0) != (b != 0) ? 1 : 0, (a, b) -> (a != 0) != (b != 0) ? 1 : 0));
    k.put("Equal", Elementwise.compare((a, b) -> a == b ? 1 : 0, (a, b) -> a == b ? 1 : 0));
    k.put("Less", Elementwise.compare((a, b) -> a < b ? 1 : 0, (a, b) -> a < b ? 1 : 0));
    k.put("Greater", Elementwise.compare((a, b) -> a > b ? 1 : 0, (a, b) -> a > b ? 1 : 0));
    k.put("LessOrEqual", Elementwise.compare((a, b) -> a <= b ? 1 : 0, (a, b) -> a <= b ? 1 : 0));
    k.put("GreaterOrEqual", Elementwise.compare((a, b) -> a >= b ? 1 : 0, (a, b) -> a >= b ? 1 : 0));
    k.put("Max", Elementwise.variadic((a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b), Math::max, false));
    k.put("Min", Elementwise.variadic((a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b), Math::min, false));
    k.put("Sum", Elementwise.variadic(Double::sum, Long::sum, false));
    k.put("Mean", Elementwise.variadic(Double::sum, Long::sum, true));
    k.put("Where", TensorKernels::where);
    k.put("Clip", TensorKernels::clip);
    k.put("Dropout", TensorKernels::dropout);
    k.put("Cast", ctx -> List.of(ctx.in(0).cast(ElementFormats.parse(ctx.s("to")))));
    k.put("CastLike", ctx -> List.of(ctx.in(0).cast(ctx.in(1).format())));
    k.put("Softmax", NormKernels.softmax(SoftmaxKind.SOFTMAX));
    k.put("LogSoftmax", NormKernels.softmax(SoftmaxKind.LOG_SOFTMAX));
    k.put("Hardmax", NormKernels.softmax(SoftmaxKind.HARDMAX));
    k.put("Conv", ConvKernels::conv);
    k.put("ConvTranspose", ConvKernels::convTranspose);
    k.put("MaxPool", ConvKernels.pool(PoolKind.MAX));
    k.put("AveragePool", ConvKernels.pool(PoolKind.AVERAGE));
    k.put("LpPool", ConvKernels.pool(PoolKind.LP));
    k.put("GlobalAveragePool", ctx -> ConvKernels.globalPool(ctx, false));
    k.put("GlobalMaxPool", ctx -> ConvKernels.globalPool(ctx, true));
    k.put("Gemm", LinearKernels::gemm);
    k.put("MatMul", LinearKernels::matmul);
    k.put("BatchNormalization", NormKernels::batchNorm);
    k.put("LayerNormalization", NormKernels::layerNorm);
    k.put("InstanceNormalization", NormKernels::instanceNorm);
    k.put("LRN", NormKernels::lrn);
    k.put("Reshape", TensorKernels::reshape);
    k.put("Flatten", TensorKernels::flatten);
    k.put("Transpose", TensorKernels::transpose);
    k.put("Squeeze", TensorKernels::squeeze);
    k.put("Unsqueeze", TensorKernels::unsqueeze);
    k.put("Concat", TensorKernels::concat);
    k.put("Split", TensorKernels::split);
    k.put("Slice", TensorKernels::slice);
    k.put("Gather", TensorKernels::gather);
    k.put("GatherElements", TensorKernels::gatherElements);
    k.put("Pad", TensorKernels::pad);
    k.put("Expand", TensorKernels::expand);
    k.put("Tile", TensorKernels::tile);
    k.put("Shape", TensorKernels::shape);
    k.put("Size", TensorKernels::size);
    k.put("ConstantOfShape", TensorKernels::constantOfShape);
    k.put("Constant", ctx -> {
      throw new IllegalStateException("Constant nodes are folded into graph constants at import");
    });
    k.put("Range", TensorKernels::range);
    k.put("DepthToSpace", ctx -> TensorKernels.depthToSpace(ctx, true));
    k.put("SpaceToDepth", ctx -> TensorKernels.depthToSpace(ctx, false));
    k.put("CumSum", TensorKernels::cumSum);
    k.put("Trilu", TensorKernels::trilu);
    for (String op : org.qcc.ir.ops.OpRegistry.REDUCE_OPS) {
      k.put(op, ReduceKernels.reduce(op));
    }
    k.put("ArgMax", ReduceKernels.arg(true));
    k.put("ArgMin", ReduceKernels.arg(false));
    return k;
  }
}
