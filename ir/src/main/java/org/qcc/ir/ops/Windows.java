// Shared rule for the spatial output size of Conv and pooling ops.
package org.qcc.ir.ops;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;

/** Spatial output dims from kernel, strides, dilations, pads and auto_pad. */
final class Windows {
  private Windows() {}

  static long[] orOnes(long[] v, int n) {
    if (v != null) {
      if (v.length != n) {
        throw new ShapeError("expected " + n + " values, got " + v.length);
      }
      return v;
    }
    long[] ones = new long[n];
    java.util.Arrays.fill(ones, 1);
    return ones;
  }

  /** [N, channels, spatial...] for an input [N, C, spatial...]. */
  static Shape output(InferenceContext ctx, Shape in, long[] kernel, Dim channels, boolean ceil) {
    if (!in.ranked()) {
      return Shape.UNRANKED;
    }
    int spatial = in.rank() - 2;
    if (spatial < 1) {
      throw new ShapeError("input must have rank 3 or more, got " + in);
    }
    if (kernel.length != spatial) {
      throw new ShapeError(
          "kernel has " + kernel.length + " spatial dims but input " + in + " has " + spatial);
    }
    long[] strides = orOnes(ctx.ints("strides"), spatial);
    long[] dilations = orOnes(ctx.ints("dilations"), spatial);
    long[] pads = ctx.ints("pads");
    if (pads == null) {
      pads = new long[2 * spatial];
    } else if (pads.length != 2 * spatial) {
      throw new ShapeError("pads must have " + 2 * spatial + " values, got " + pads.length);
    }
    String autoPad = ctx.attr("auto_pad").isPresent() ? ctx.s("auto_pad") : "NOTSET";
    List<Dim> out = new ArrayList<>();
    out.add(in.dim(0));
    out.add(channels);
    for (int i = 0; i < spatial; i++) {
      Dim d = in.dim(i + 2);
      switch (autoPad) {
        case "NOTSET" -> out.add(
            Dims.window(d, pads[i], pads[i + spatial], kernel[i], strides[i], dilations[i], ceil));
        case "VALID" -> out.add(Dims.window(d, 0, 0, kernel[i], strides[i], dilations[i], ceil));
        case "SAME_UPPER", "SAME_LOWER" -> out.add(
            d instanceof Dim.Fixed f
                ? Dim.of(Math.floorDiv(f.size() + strides[i] - 1, strides[i]))
                : Dims.UNKNOWN);
        default -> throw new ShapeError("unknown auto_pad '" + autoPad + "'");
      }
    }
    return Shape.of(out);
  }
}
