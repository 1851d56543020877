// qcc's quantization ops: the value of a tensor after quantizing to a format and back.
package org.qcc.ir.ops;

import static org.qcc.ir.ops.A.i;
import static org.qcc.ir.ops.A.s;

import java.util.List;
import org.qcc.ir.Shape;
import org.qcc.ir.formats.FloatFormat;

/**
 * {@code qcc.FakeQuant(x, scale?)} {format, axis, group, rounding, seed, scale_format}: each element becomes
 * the value its code decodes to, so downstream ops compute exactly what hardware working on
 * codes would. See {@link FakeQuantSpec} for the meaning of the attributes.
 */
final class QuantOps {
  private QuantOps() {}

  static void register(OpRegistry r) {
    r.add(
        OpDef.builder("qcc", "FakeQuant")
            .summary("quantize to a number format and dequantize, bit-exactly as the format defines")
            .inputs(1, 2)
            .requiredAttr("format", "string")
            .attr("axis", i(0))
            .attr("group", i(0))
            .attr("rounding", s("rne"))
            .attr("seed", i(0))
            .attr("scale_format", s("fp32"))
            .infer(
                ctx -> {
                  if (!ctx.format(0).equals(FloatFormat.FP32)) {
                    throw new ShapeError("FakeQuant takes fp32, got " + ctx.in(0));
                  }
                  Shape scale = ctx.has(1) ? ctx.shape(1) : null;
                  FakeQuantSpec.of(ctx.s("format"), (int) ctx.i("axis"), (int) ctx.i("group"), ctx.s("rounding"), ctx.s("scale_format"), ctx.shape(0), scale);
                  return List.of(ctx.in(0));
                })
            .build());
  }
}
