// QONNX's quantization ops, with QONNX's own names, attributes and reference semantics.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.i;
import static org.qcc.ir.ops.A.s;

import java.util.List;
import org.qcc.ir.Shape;
import org.qcc.ir.TensorType;
import org.qcc.ir.formats.FloatFormat;

/**
 * The ops of the {@code qonnx.custom_op.general} domain: Quant (also spelled IntQuant),
 * BipolarQuant, Trunc (v1 with five inputs, v2 with six) and FloatQuant. They are kept apart
 * from {@code qcc.FakeQuant} because QONNX's reference computes differently from the formats
 * qcc defines (float32 division by the scale, clamping before rounding, FloatQuant's maximum
 * and rounded logarithm; see docs/formats.md), and an imported model must compute what QONNX
 * computes. Attributes that QONNX's reference requires are required here too.
 */
final class QonnxOps {
  static final String DOMAIN = "qonnx.custom_op.general";

  private QonnxOps() {}

  static void register(OpRegistry r) {
    for (String name : List.of("Quant", "IntQuant")) {
      r.add(
          OpDef.builder(DOMAIN, name)
              .summary("QONNX integer quantization: round(clamp(x / scale + zeropt)) - zeropt, times scale")
              .inputs(4, 4)
              .requiredAttr("signed", "int")
              .requiredAttr("narrow", "int")
              .attr("rounding_mode", s("ROUND"))
              .infer(QonnxOps::likeInput)
              .build());
    }
    r.add(
        OpDef.builder(DOMAIN, "BipolarQuant")
            .summary("QONNX bipolar quantization: +scale where x >= 0, else -scale")
            .inputs(2, 2)
            .infer(QonnxOps::likeInput)
            .build());
    r.add(
        OpDef.builder(DOMAIN, "Trunc")
            .summary("QONNX truncation of a quantized value to fewer bits (v1: five inputs, v2: six)")
            .inputs(5, 6)
            .requiredAttr("rounding_mode", "string")
            .attr("narrow", i(0))
            .attr("signed", i(1))
            .infer(QonnxOps::likeInput)
            .build());
    r.add(
        OpDef.builder(DOMAIN, "FloatQuant")
            .summary("QONNX arbitrary-precision float quantization (always signed, with subnormals)")
            .inputs(6, 6)
            .attr("rounding_mode", s("ROUND"))
            .requiredAttr("has_inf", "int")
            .requiredAttr("has_nan", "int")
            .requiredAttr("has_subnormal", "int")
            .requiredAttr("saturation", "int")
            // QONNX's reference ignores it (FloatQuant is always signed); accepted so its files import.
            .optionalAttr("signed", "int")
            .infer(QonnxOps::likeInput)
            .build());
  }

  /** fp32 data and scale in, fp32 out; parameters (bit widths may be integers) broadcast against the data. */
  private static List<TensorType> likeInput(InferenceContext ctx) {
    for (int k = 0; k < 2; k++) {
      if (!ctx.format(k).equals(FloatFormat.FP32)) {
        throw new ShapeError("QONNX quantizers take fp32 data and scale, input " + k + " is " + ctx.in(k));
      }
    }
    Shape out = ctx.shape(0);
    for (int k = 1; k < ctx.inputCount(); k++) {
      if (ctx.has(k) && !Dims.broadcast(out, ctx.shape(k)).equals(out) && out.ranked() && ctx.shape(k).ranked()) {
        throw new ShapeError("input " + k + " " + ctx.shape(k) + " does not broadcast to the data's shape " + out);
      }
    }
    return List.of(new TensorType(FloatFormat.FP32, out));
  }
}
