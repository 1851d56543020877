// Elementwise ops: activations, arithmetic, comparisons, logic.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.f;
import static org.qcc.ir.ops.A.i;
import static org.qcc.ir.ops.A.s;

import java.util.List;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormats;

/** Declarations of elementwise ops. */
final class ElementwiseOps {
  private ElementwiseOps() {}

  static void register(OpRegistry r) {
    for (String op :
        List.of(
            "Relu", "Sigmoid", "Tanh", "Erf", "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal",
            "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh",
            "Cosh", "Asinh", "Acosh", "Atanh", "Softplus", "Softsign", "Identity", "Mish",
            "HardSwish")) {
      r.add(OpDef.builder(op).summary(op + " of each element").infer(Rules.sameAsInput0()).build());
    }
    r.add(unary("LeakyRelu").attr("alpha", f(0.01f)).build());
    r.add(unary("Elu").attr("alpha", f(1.0f)).build());
    r.add(unary("Celu").attr("alpha", f(1.0f)).build());
    r.add(unary("ThresholdedRelu").attr("alpha", f(1.0f)).build());
    r.add(
        unary("Selu")
            .attr("alpha", f(1.67326319217681884765625f))
            .attr("gamma", f(1.05070102214813232421875f))
            .build());
    r.add(unary("HardSigmoid").attr("alpha", f(0.2f)).attr("beta", f(0.5f)).build());
    r.add(unary("Gelu").attr("approximate", s("none")).build());
    r.add(unary("Softmax").attr("axis", i(-1)).build());
    r.add(unary("LogSoftmax").attr("axis", i(-1)).build());
    r.add(unary("Hardmax").attr("axis", i(-1)).build());
    r.add(
        OpDef.builder("Clip")
            .summary("clamp to [min, max]")
            .inputs(1, 3)
            .optionalAttr("min", "float")
            .optionalAttr("max", "float")
            .infer(Rules.sameAsInput0())
            .build());
    r.add(
        OpDef.builder("Dropout")
            .summary("identity at inference; optional mask output")
            .inputs(1, 3)
            .outputs(1, 2)
            .attr("seed", i(0))
            .optionalAttr("ratio", "float")
            .infer(
                ctx ->
                    ctx.outputCount() == 1
                        ? List.of(ctx.in(0))
                        : List.of(ctx.in(0), ctx.in(0).withFormat(BoolFormat.BOOL)))
            .build());
    r.add(
        OpDef.builder("Cast")
            .summary("convert elements to another format")
            .requiredAttr("to", "string")
            .attr("saturate", i(1))
            .infer(ctx -> List.of(ctx.in(0).withFormat(ElementFormats.parse(ctx.s("to")))))
            .build());
    r.add(
        OpDef.builder("CastLike")
            .summary("convert elements to the format of the second input")
            .inputs(2)
            .attr("saturate", i(1))
            .infer(ctx -> List.of(ctx.in(0).withFormat(ctx.format(1))))
            .build());
    for (String op : List.of("Not")) {
      r.add(OpDef.builder(op).infer(Rules.sameAsInput0()).build());
    }
    for (String op : List.of("IsNaN")) {
      r.add(OpDef.builder(op).infer(ctx -> List.of(ctx.in(0).withFormat(BoolFormat.BOOL))).build());
    }
    r.add(
        OpDef.builder("IsInf")
            .attr("detect_negative", i(1))
            .attr("detect_positive", i(1))
            .infer(ctx -> List.of(ctx.in(0).withFormat(BoolFormat.BOOL)))
            .build());
    for (String op : List.of("Add", "Sub", "Mul", "Div", "PRelu", "BitwiseAnd", "BitwiseOr")) {
      r.add(binary(op).build());
    }
    r.add(binary("Pow").build());
    r.add(binary("Mod").attr("fmod", i(0)).build());
    r.add(
        OpDef.builder("BitShift")
            .inputs(2)
            .requiredAttr("direction", "string")
            .infer(Rules.broadcast(0))
            .build());
    for (String op : List.of("And", "Or", "Xor", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual")) {
      r.add(OpDef.builder(op).inputs(2).infer(Rules.compare()).build());
    }
    for (String op : List.of("Max", "Min", "Sum", "Mean")) {
      r.add(
          OpDef.builder(op)
              .summary("elementwise " + op.toLowerCase() + " of all inputs")
              .inputs(1, Integer.MAX_VALUE)
              .infer(Rules.broadcast(0))
              .build());
    }
    r.add(
        OpDef.builder("Where")
            .summary("select from X where the condition holds, else Y")
            .inputs(3)
            .infer(
                ctx -> {
                  if (!(ctx.format(0) instanceof BoolFormat)) {
                    throw new ShapeError("condition must be bool, got " + ctx.format(0).name());
                  }
                  return List.of(
                      new TensorType(ctx.format(1), Rules.broadcastAll(ctx, 0)));
                })
            .build());
  }

  private static OpDef.Builder unary(String op) {
    return OpDef.builder(op).summary(op + " of each element").infer(Rules.sameAsInput0());
  }

  private static OpDef.Builder binary(String op) {
    return OpDef.builder(op)
        .summary("elementwise " + op + " with broadcasting")
        .inputs(2)
        .infer(
            ctx -> {
              if (!ctx.format(0).equals(ctx.format(1)) && !op.equals("Pow") && !op.equals("PRelu")) {
                throw new ShapeError(
                    "operand formats differ: " + ctx.format(0).name() + " and " + ctx.format(1).name());
              }
              return Rules.broadcast(0).infer(ctx);
            });
  }
}
