// Normalization and softmax-family kernels.
package org.qcc.simulator.functional;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Tensor;

/** BatchNormalization, LayerNormalization, InstanceNormalization, LRN and Softmax/LogSoftmax/Hardmax. */
final class NormKernels {
  private NormKernels() {}

  static List<Tensor> batchNorm(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int[] xs = x.shape();
    int c = xs.length > 1 ? xs[1] : 1;
    int inner = 1;
    for (int i = 2; i < xs.length; i++) {
      inner *= xs[i];
    }
    double eps = ctx.f("epsilon");
    Tensor scale = ctx.in(1);
    Tensor bias = ctx.in(2);
    Tensor mean = ctx.in(3);
    Tensor var = ctx.in(4);
    float[] mul = new float[c];
    float[] add = new float[c];
    for (int ch = 0; ch < c; ch++) {
      // y = (x - mean) / sqrt(var + eps) * scale + bias, folded to x * mul + add in fp32.
      float inv = (float) (1.0 / Math.sqrt((float) var.getDouble(ch) + (float) eps));
      mul[ch] = (float) scale.getDouble(ch) * inv;
      add[ch] = (float) bias.getDouble(ch) - (float) mean.getDouble(ch) * mul[ch];
    }
    Tensor y = Tensor.zeros(x.format(), xs);
    int n = xs[0];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int off = (b * c + ch) * inner;
        for (int i = 0; i < inner; i++) {
          y.setDouble(off + i, (float) x.getDouble(off + i) * mul[ch] + add[ch]);
        }
      }
    }
    return List.of(y);
  }

  static List<Tensor> layerNorm(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int[] xs = x.shape();
    int axis = (int) ctx.i("axis");
    if (axis < 0) {
      axis += xs.length;
    }
    int outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= xs[i];
    }
    int inner = x.size() / Math.max(outer, 1);
    int[] normShape = java.util.Arrays.copyOfRange(xs, axis, xs.length);
    int[][] so = Broadcast.offsets(normShape, ctx.in(1).shape());
    int[][] bo = ctx.has(2) ? Broadcast.offsets(normShape, ctx.in(2).shape()) : null;
    double eps = ctx.f("epsilon");
    Tensor y = Tensor.zeros(x.format(), xs);
    int[] statShape = xs.clone();
    for (int i = axis; i < xs.length; i++) {
      statShape[i] = 1;
    }
    Tensor meanOut = Tensor.zeros(org.qcc.ir.formats.FloatFormat.FP32, statShape);
    Tensor invOut = Tensor.zeros(org.qcc.ir.formats.FloatFormat.FP32, statShape);
    for (int o = 0; o < outer; o++) {
      int off = o * inner;
      double sum = 0;
      for (int i = 0; i < inner; i++) {
        sum += x.getDouble(off + i);
      }
      double mean = sum / inner;
      double sq = 0;
      for (int i = 0; i < inner; i++) {
        double d = x.getDouble(off + i) - mean;
        sq += d * d;
      }
      double inv = 1.0 / Math.sqrt(sq / inner + eps);
      meanOut.setDouble(o, mean);
      invOut.setDouble(o, inv);
      for (int i = 0; i < inner; i++) {
        double v = (x.getDouble(off + i) - mean) * inv * ctx.in(1).getDouble(so[0][i]);
        if (bo != null) {
          v += ctx.in(2).getDouble(bo[0][i]);
        }
        y.setDouble(off + i, v);
      }
    }
    List<Tensor> out = new ArrayList<>(List.of(y, meanOut, invOut));
    return out.subList(0, ctx.outputCount());
  }

  static List<Tensor> instanceNorm(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int[] xs = x.shape();
    int c = xs[1];
    int inner = x.size() / (xs[0] * c);
    double eps = ctx.f("epsilon");
    Tensor y = Tensor.zeros(x.format(), xs);
    for (int p = 0; p < xs[0] * c; p++) {
      int off = p * inner;
      double sum = 0;
      for (int i = 0; i < inner; i++) {
        sum += x.getDouble(off + i);
      }
      double mean = sum / inner;
      double sq = 0;
      for (int i = 0; i < inner; i++) {
        double d = x.getDouble(off + i) - mean;
        sq += d * d;
      }
      double inv = 1.0 / Math.sqrt(sq / inner + eps);
      double s = ctx.in(1).getDouble(p % c);
      double b = ctx.in(2).getDouble(p % c);
      for (int i = 0; i < inner; i++) {
        y.setDouble(off + i, (x.getDouble(off + i) - mean) * inv * s + b);
      }
    }
    return List.of(y);
  }

  static List<Tensor> lrn(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int[] xs = x.shape();
    int c = xs[1];
    int inner = x.size() / (xs[0] * c);
    int size = (int) ctx.i("size");
    double alpha = ctx.f("alpha");
    double beta = ctx.f("beta");
    double bias = ctx.f("bias");
    int lo = (size - 1) / 2;
    int hi = size - 1 - lo;
    Tensor y = Tensor.zeros(x.format(), xs);
    for (int b = 0; b < xs[0]; b++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < inner; i++) {
          double sq = 0;
          for (int q = Math.max(0, ch - lo); q <= Math.min(c - 1, ch + hi); q++) {
            double v = x.getDouble((b * c + q) * inner + i);
            sq += v * v;
          }
          int at = (b * c + ch) * inner + i;
          y.setDouble(at, x.getDouble(at) / Math.pow(bias + alpha / size * sq, beta));
        }
      }
    }
    return List.of(y);
  }

  enum SoftmaxKind { SOFTMAX, LOG_SOFTMAX, HARDMAX }

  /**
   * Softmax over one axis (opset 13+), or over the flattened trailing block from axis (older
   * opsets, where the input is coerced to 2-d).
   */
  static Kernel softmax(SoftmaxKind kind) {
    return ctx -> {
      Tensor x = ctx.in(0);
      int[] xs = x.shape();
      long a = ctx.hasAttrOnNode("axis") ? ctx.i("axis") : (ctx.opset() < 13 ? 1 : -1);
      int axis = (int) (a < 0 ? a + xs.length : a);
      if (axis < 0 || axis >= Math.max(xs.length, 1)) {
        throw new IllegalArgumentException("axis " + a + " out of range for rank " + xs.length);
      }
      boolean legacy = ctx.opset() < 13;
      int outer = 1;
      for (int i = 0; i < axis; i++) {
        outer *= xs[i];
      }
      int len;
      int inner;
      if (legacy) {
        len = x.size() / Math.max(outer, 1);
        inner = 1;
      } else {
        len = xs.length == 0 ? 1 : xs[axis];
        inner = x.size() / Math.max(outer * len, 1);
      }
      Tensor y = Tensor.zeros(x.format(), xs);
      double[] row = new double[len];
      for (int o = 0; o < outer; o++) {
        for (int in = 0; in < inner; in++) {
          int base = o * len * inner + in;
          double max = Double.NEGATIVE_INFINITY;
          int arg = 0;
          for (int i = 0; i < len; i++) {
            row[i] = x.getDouble(base + i * inner);
            if (row[i] > max) {
              max = row[i];
              arg = i;
            }
          }
          double sum = 0;
          for (int i = 0; i < len; i++) {
            sum += RefMath.exp(row[i] - max);
          }
          for (int i = 0; i < len; i++) {
            double v =
                switch (kind) {
                  case SOFTMAX -> RefMath.exp(row[i] - max) / sum;
                  case LOG_SOFTMAX -> row[i] - max - Math.log(sum);
                  case HARDMAX -> i == arg ? 1 : 0;
                };
            y.setDouble(base + i * inner, v);
          }
        }
      }
      return List.of(y);
    };
  }
}
