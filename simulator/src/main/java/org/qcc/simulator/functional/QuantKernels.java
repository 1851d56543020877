// Kernels of qcc's quantization ops, delegating to the formats library.
package org.qcc.simulator.functional;

import java.util.List;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.FakeQuantSpec;

/** qcc.FakeQuant: the formats library's fake-quantize, so the interpreter is exact by construction. */
final class QuantKernels {
  private QuantKernels() {}

  static List<Tensor> fakeQuant(KernelContext ctx) {
    Tensor x = ctx.in(0);
    Tensor scale = ctx.has(1) ? ctx.in(1) : null;
    FakeQuantSpec spec =
        FakeQuantSpec.of(ctx.s("format"), (int) ctx.i("axis"), (int) ctx.i("group"), ctx.s("rounding"), ctx.s("scale_format"), x.type().shape(), scale == null ? null : scale.type().shape());
    float[] in = ((FloatTensor) x).data();
    float[] out = new float[in.length];
    int[] shape = x.rank() == 0 ? new int[] {1} : x.shape();
    long seed = ctx.i("seed");
    if (spec.isBlock()) {
      BlockQuantizer.fakeQuantize((BlockFormat) spec.format(), in, shape, spec.axis(), spec.rounding(), seed, out);
    } else {
      float[] s = new float[scale.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) scale.getDouble(i);
        if (Float.isNaN(s[i])) {
          throw new IllegalArgumentException("the scale is not calibrated (NaN): run the calibrate pass after quantize");
        }
        if (!spec.scaleFormat().holds(s[i])) {
          throw new IllegalArgumentException("scale " + s[i] + " is not a positive " + spec.scaleFormat().id() + " value as scale_format says");
        }
      }
      spec.quantizer().fakeQuantize(in, shape, s, spec.rounding(), seed, out);
    }
    return List.of(new FloatTensor(FloatFormat.FP32, x.shape(), out));
  }
}
