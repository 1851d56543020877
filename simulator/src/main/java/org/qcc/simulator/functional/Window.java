// Geometry of a sliding window over up to three spatial dims (Conv and pooling).
package org.qcc.simulator.functional;

import org.qcc.ir.Dim;
import org.qcc.ir.ops.Dims;

/**
 * Spatial geometry padded to three dims (depth, height, width) so 1-d, 2-d and 3-d ops share
 * one loop nest. Output sizes come from the same rule as shape inference.
 */
final class Window {
  final int spatial;
  final int[] in = {1, 1, 1};
  final int[] kernel = {1, 1, 1};
  final int[] stride = {1, 1, 1};
  final int[] dilation = {1, 1, 1};
  final int[] padBegin = new int[3];
  final int[] padEnd = new int[3];
  final int[] out = {1, 1, 1};

  Window(KernelContext ctx, int[] xShape, long[] kernelShape, boolean ceil) {
    spatial = xShape.length - 2;
    if (spatial < 1 || spatial > 3) {
      throw new IllegalArgumentException("only 1 to 3 spatial dims are supported, got " + spatial);
    }
    long[] st = ctx.ints("strides");
    long[] dl = ctx.ints("dilations");
    long[] pads = ctx.ints("pads");
    String autoPad = ctx.hasAttr("auto_pad") ? ctx.s("auto_pad") : "NOTSET";
    int off = 3 - spatial;
    for (int i = 0; i < spatial; i++) {
      int d = off + i;
      in[d] = xShape[i + 2];
      kernel[d] = (int) kernelShape[i];
      stride[d] = st == null ? 1 : (int) st[i];
      dilation[d] = dl == null ? 1 : (int) dl[i];
      long pb = pads == null ? 0 : pads[i];
      long pe = pads == null ? 0 : pads[i + spatial];
      int eff = dilation[d] * (kernel[d] - 1) + 1;
      switch (autoPad) {
        case "VALID" -> {
          pb = 0;
          pe = 0;
        }
        case "SAME_UPPER", "SAME_LOWER" -> {
          int o = (in[d] + stride[d] - 1) / stride[d];
          int total = Math.max(0, (o - 1) * stride[d] + eff - in[d]);
          pb = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
          pe = total - pb;
        }
        default -> { }
      }
      padBegin[d] = (int) pb;
      padEnd[d] = (int) pe;
      out[d] = (int) ((Dim.Fixed) Dims.window(Dim.of(in[d]), pb, pe, kernel[d], stride[d], dilation[d], ceil)).size();
    }
  }

  int inSize() {
    return in[0] * in[1] * in[2];
  }

  int outSize() {
    return out[0] * out[1] * out[2];
  }

  int kernelSize() {
    return kernel[0] * kernel[1] * kernel[2];
  }

  /** [N, C, out...] with the original number of spatial dims. */
  int[] outShape(int n, int c) {
    int[] s = new int[spatial + 2];
    s[0] = n;
    s[1] = c;
    for (int i = 0; i < spatial; i++) {
      s[i + 2] = out[3 - spatial + i];
    }
    return s;
  }
}
