// QONNX's quantizers, computed the way QONNX's numpy reference computes them.
package org.qcc.simulator.functional;

import java.util.List;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;

/**
 * Every step is the float32 operation numpy performs on float32 arrays, in the reference's order:
 * the division by the scale rounds to float32 before the rounding mode sees it, Quant clamps
 * before rounding, and HALF_UP adds 0.5 in float32. Parameters broadcast against the data as in
 * numpy. FloatQuant's exponent is floor(log2(|x| + FLT_MIN)) of the float32 logarithm, taken
 * here as the correctly rounded one; numpy's own log2 can differ from it by one ulp on some
 * platforms, which moves values just below a power of two.
 */
final class QonnxKernels {
  private QonnxKernels() {}

  /** numpy rounding functions on float32 values, by QONNX's mode names. */
  interface Mode {
    float apply(float y);
  }

  static Mode mode(String name) {
    return switch (name.toUpperCase(java.util.Locale.ROOT)) {
      case "ROUND", "HALF_EVEN" -> y -> (float) Math.rint(y);
      case "CEIL" -> y -> (float) Math.ceil(y);
      case "FLOOR" -> y -> (float) Math.floor(y);
      case "UP" -> y -> Math.signum(y) * (float) Math.ceil(Math.abs(y));
      case "DOWN" -> y -> y < 0 ? (float) Math.ceil(y) : (float) Math.floor(y);
      case "HALF_UP" -> y -> Math.signum(y) * (float) Math.floor(Math.abs(y) + 0.5f);
      case "HALF_DOWN" -> y -> Math.signum(y) * (float) Math.ceil(Math.abs(y) - 0.5f);
      default -> throw new IllegalArgumentException("could not resolve rounding mode " + name + " (ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN)");
    };
  }

  /** QONNX min_int / max_int, including the unsigned narrow range [0, 2^b - 2]. */
  static float minInt(boolean signed, boolean narrow, int bits) {
    return signed ? (float) (-Math.pow(2, bits - 1) + (narrow ? 1 : 0)) : 0f;
  }

  static float maxInt(boolean signed, boolean narrow, int bits) {
    return !signed ? (float) (Math.pow(2, bits) - (narrow ? 2 : 1)) : (float) (Math.pow(2, bits - 1) - 1);
  }

  /** The data and every parameter, broadcast to the data's shape. */
  private record Operands(FloatTensor x, float[][] params) {
    float p(int k, int i) {
      float[] a = params[k];
      return a.length == 1 ? a[0] : a[i];
    }
  }

  private static Operands operands(KernelContext ctx) {
    FloatTensor x = (FloatTensor) ctx.in(0);
    float[][] params = new float[ctx.inputCount()][];
    for (int k = 1; k < ctx.inputCount(); k++) {
      Tensor t = ctx.in(k);
      int[] shape = Broadcast.shape(x.shape(), t.shape());
      if (!java.util.Arrays.equals(shape, x.shape())) {
        throw new IllegalArgumentException("input " + k + " of shape " + java.util.Arrays.toString(t.shape()) + " does not broadcast to the data's shape " + java.util.Arrays.toString(x.shape()));
      }
      float[] v = new float[t.size() == 1 ? 1 : x.size()];
      if (t.size() == 1) {
        v[0] = (float) t.getDouble(0);
      } else {
        int[] off = Broadcast.offsets(x.shape(), t.shape())[0];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) t.getDouble(off[i]);
        }
      }
      params[k] = v;
    }
    return new Operands(x, params);
  }

  private static int bits(float b, String what) {
    if (!(b >= 1) || b != Math.rint(b) || b > 64) {
      throw new IllegalArgumentException(what + " must be a positive integer number of bits, got " + b);
    }
    return (int) b;
  }

  private static List<Tensor> result(FloatTensor x, float[] out) {
    return List.of(new FloatTensor(FloatFormat.FP32, x.shape(), out));
  }

  /** Quant / IntQuant(x, scale, zeropt, bitwidth) {signed, narrow, rounding_mode}. */
  static List<Tensor> quant(KernelContext ctx) {
    Operands o = operands(ctx);
    boolean signed = ctx.i("signed") != 0;
    boolean narrow = ctx.i("narrow") != 0;
    Mode round = mode(ctx.s("rounding_mode"));
    float[] x = o.x().data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float scale = o.p(1, i);
      float zp = o.p(2, i);
      int bits = bits(o.p(3, i), "bitwidth");
      float y = x[i] / scale + zp;
      if (bits == 1 && signed) {
        y = y >= 0f ? 1f : -1f; // QONNX's special case: 1-bit signed is bipolar
      } else {
        float lo = minInt(signed, narrow, bits);
        float hi = maxInt(signed, narrow, bits);
        y = y > hi ? hi : y < lo ? lo : y;
        y = round.apply(y);
      }
      out[i] = (y - zp) * scale;
    }
    return result(o.x(), out);
  }

  /** BipolarQuant(x, scale): +1 where x >= 0, else -1 (NaN included), times the scale. */
  static List<Tensor> bipolarQuant(KernelContext ctx) {
    Operands o = operands(ctx);
    float[] x = o.x().data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (x[i] >= 0f ? 1f : -1f) * o.p(1, i);
    }
    return result(o.x(), out);
  }

  /**
   * Trunc v1 (x, scale, zeropt, in_bitwidth, out_bitwidth): drop the low bits, no clamp. Trunc v2
   * (x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth) {signed, narrow}: the shift is
   * 2^round(log2(out_scale / scale)) and the result is clamped to the output range.
   */
  static List<Tensor> trunc(KernelContext ctx) {
    Operands o = operands(ctx);
    boolean v2 = ctx.inputCount() == 6;
    Mode round = mode(ctx.s("rounding_mode"));
    boolean signed = ctx.i("signed") != 0;
    boolean narrow = ctx.i("narrow") != 0;
    float[] x = o.x().data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float scale = o.p(1, i);
      float zp = o.p(2, i);
      float y = (float) Math.rint(x[i] / scale + zp);
      if (!v2) {
        float shift = (float) Math.pow(2, o.p(3, i) - o.p(4, i));
        y = round.apply(y / shift);
        out[i] = (y - zp) * scale;
        continue;
      }
      float outScale = o.p(4, i);
      float shift = (float) Math.pow(2, Math.rint(log2f(outScale / scale)));
      y = y / shift;
      int bits = bits(o.p(5, i), "out_bitwidth");
      float lo = minInt(signed, narrow, bits);
      float hi = maxInt(signed, narrow, bits);
      y = y > hi ? hi : y < lo ? lo : y;
      y = round.apply(y);
      out[i] = (y - zp / shift) * outScale;
    }
    return result(o.x(), out);
  }

  /**
   * FloatQuant(x, scale, exponent_bitwidth, mantissa_bitwidth, exponent_bias, max_val): x / scale
   * rounded with mantissa_bitwidth fraction bits at its own binade (never below the subnormal
   * step 2^(1 - bias - M)), clamped to +-min(max_val, (2 - 2^-M) * 2^(2^E - 1 - bias)); without
   * saturation, values beyond it become inf (has_inf) or NaN (has_nan).
   */
  static List<Tensor> floatQuant(KernelContext ctx) {
    Operands o = operands(ctx);
    Mode round = mode(ctx.s("rounding_mode"));
    boolean saturation = ctx.i("saturation") != 0;
    boolean hasInf = ctx.i("has_inf") != 0;
    boolean hasNan = ctx.i("has_nan") != 0;
    if (!saturation && !hasInf && !hasNan) {
      throw new IllegalArgumentException("saturation=0 needs has_inf or has_nan (QONNX raises here too)");
    }
    float[] x = o.x().data();
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      float scale = o.p(1, i);
      float e = o.p(2, i);
      float m = o.p(3, i);
      float bias = o.p(4, i);
      float y = x[i] / scale;
      float minScale = 1f - bias - m;
      float internal = Math.max((float) Math.floor(log2f(Math.abs(y) + Float.MIN_NORMAL)) - m, minScale);
      float step = (float) Math.pow(2, internal);
      float q = step * round.apply(y / step);
      double max = (2 - Math.pow(2, -m)) * Math.pow(2, Math.pow(2, e) - 1 - bias);
      float limit = (float) Math.min(max, o.p(5, i));
      boolean inf = Float.isInfinite(q);
      boolean above = q > limit;
      boolean below = q < -limit;
      q = q > limit ? limit : q < -limit ? -limit : q;
      if (!saturation) {
        if (hasInf) {
          q = above ? Float.POSITIVE_INFINITY : below ? Float.NEGATIVE_INFINITY : q;
        } else if (above || below || inf) {
          q = Float.NaN;
        }
      }
      out[i] = q * scale;
    }
    return result(o.x(), out);
  }

  /** The correctly rounded float32 binary logarithm (float32 in, float32 out, as numpy's log2 on float32). */
  static float log2f(float v) {
    if (!(v > 0) || Float.isInfinite(v)) {
      return v == 0 ? Float.NEGATIVE_INFINITY : v > 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    }
    int e = Math.getExponent(v);
    double mant = v / Math.scalb(1.0, e); // in [1, 2) for normal and subnormal floats alike
    if (e < Float.MIN_EXPONENT) {
      e = Math.getExponent((double) v);
      mant = v / Math.scalb(1.0, e);
    }
    return (float) (e + Math.log(mant) / Math.log(2));
  }
}
