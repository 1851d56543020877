// Convolution, transposed convolution and pooling kernels.
package org.qcc.simulator.functional;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.LongTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.ops.ExactLayer;

/** fp32 Conv (im2col + GEMM, parallel over the batch), ConvTranspose and pooling. */
final class ConvKernels {
  private ConvKernels() {}

  static FloatTensor floats(Tensor t) {
    if (t instanceof FloatTensor f && f.format().bits() == 32) {
      return f;
    }
    if (t.format().isFloatingPoint() || t.format().bits() <= 16) {
      // Integers of up to 16 bits are exact in fp32 (pooling over uint8 images, for example).
      float[] d = new float[t.size()];
      for (int i = 0; i < d.length; i++) {
        d[i] = (float) t.getDouble(i);
      }
      return new FloatTensor(FloatFormat.FP32, t.shape(), d);
    }
    throw new IllegalArgumentException("expected floating-point input, got " + t.format().name());
  }

  /** Converts an fp32 result back to the input's float format (fp16/bf16/fp64 inputs). */
  static Tensor like(FloatTensor result, Tensor input) {
    return input.format().equals(FloatFormat.FP32) ? result : result.cast(input.format());
  }

  static List<Tensor> conv(KernelContext ctx) {
    return conv(ctx, null, null);
  }

  /**
   * Conv; with {@code exact} (non-null), on integer codes as {@link ExactLayer} defines; in fp32,
   * without the products of weights that {@code kept} (non-null, indexed like the weights) prunes.
   */
  static List<Tensor> conv(KernelContext ctx, ExactLayer exact, boolean[] kept) {
    FloatTensor x = floats(ctx.in(0));
    FloatTensor w = floats(ctx.in(1));
    int[] xs = x.shape();
    int[] ws = w.shape();
    long[] ks = ctx.ints("kernel_shape");
    if (ks == null) {
      ks = Arrays.stream(ws, 2, ws.length).asLongStream().toArray();
    }
    int group = (int) ctx.i("group");
    int n = xs[0];
    int c = xs[1];
    int m = ws[0];
    if (c != ws[1] * group || m % group != 0) {
      throw new IllegalArgumentException("input channels " + c + " do not match weight " + Arrays.toString(ws) + " with group " + group);
    }
    Window win = new Window(ctx, xs, ks, false);
    int cg = c / group;
    int mg = m / group;
    int kk = cg * win.kernelSize();
    int p = win.outSize();
    float[] xd = exact == null ? x.data() : exact.dataCodes(x.data());
    float[] wd = w.data();
    ExactGemm.Codes wc = exact == null ? null : ExactGemm.Codes.of(exact.weightCodes(wd, ws, 0));
    float[] bias = ctx.has(2) ? floats(ctx.in(2)).data() : null;
    float[] out = new float[n * m * p];
    int inImage = c * win.inSize();
    IntStream.range(0, n * group)
        .parallel()
        .forEach(
            ng -> {
              int b = ng / group;
              int g = ng % group;
              float[] col = im2col(xd, b * inImage + g * cg * win.inSize(), cg, win);
              int outOff = (b * m + g * mg) * p;
              if (exact != null) {
                ExactGemm.multiply(mg, p, kk, wc, g * mg * kk, ExactGemm.Codes.of(col), 0, out, outOff, exact.wide(), false);
                for (int oc = 0; oc < mg; oc++) {
                  int ch = g * mg + oc;
                  for (int j = outOff + oc * p; j < outOff + (oc + 1) * p; j++) {
                    out[j] = exact.requantize(out[j], ch, bias == null ? 0f : bias[ch], bias != null);
                  }
                }
                return;
              }
              Sgemm.multiply(mg, p, kk, wd, g * mg * kk, kept, col, 0, null, out, outOff, false);
              if (bias != null) {
                for (int oc = 0; oc < mg; oc++) {
                  float bv = bias[g * mg + oc];
                  int o = outOff + oc * p;
                  for (int j = 0; j < p; j++) {
                    out[o + j] += bv;
                  }
                }
              }
            });
    return List.of(like(new FloatTensor(FloatFormat.FP32, win.outShape(n, m), out), ctx.in(0)));
  }

  /** Rows: (channel, kd, kh, kw); columns: output positions. Padding reads as zero. */
  private static float[] im2col(float[] x, int off, int channels, Window w) {
    int p = w.outSize();
    float[] col = new float[channels * w.kernelSize() * p];
    int row = 0;
    for (int ch = 0; ch < channels; ch++) {
      int chOff = off + ch * w.inSize();
      for (int kd = 0; kd < w.kernel[0]; kd++) {
        for (int kh = 0; kh < w.kernel[1]; kh++) {
          for (int kw = 0; kw < w.kernel[2]; kw++, row++) {
            int r = row * p;
            for (int od = 0; od < w.out[0]; od++) {
              int id = od * w.stride[0] - w.padBegin[0] + kd * w.dilation[0];
              boolean dOk = id >= 0 && id < w.in[0];
              for (int oh = 0; oh < w.out[1]; oh++) {
                int ih = oh * w.stride[1] - w.padBegin[1] + kh * w.dilation[1];
                boolean hOk = dOk && ih >= 0 && ih < w.in[1];
                int base = chOff + (id * w.in[1] + ih) * w.in[2];
                int o = r + (od * w.out[1] + oh) * w.out[2];
                for (int ow = 0; ow < w.out[2]; ow++) {
                  int iw = ow * w.stride[2] - w.padBegin[2] + kw * w.dilation[2];
                  col[o + ow] = hOk && iw >= 0 && iw < w.in[2] ? x[base + iw] : 0f;
                }
              }
            }
          }
        }
      }
    }
    return col;
  }

  static List<Tensor> convTranspose(KernelContext ctx) {
    FloatTensor x = floats(ctx.in(0));
    FloatTensor w = floats(ctx.in(1));
    int[] xs = x.shape();
    int[] ws = w.shape();
    int spatial = xs.length - 2;
    if (spatial < 1 || spatial > 3) {
      throw new IllegalArgumentException("only 1 to 3 spatial dims are supported");
    }
    int group = (int) ctx.i("group");
    int n = xs[0];
    int c = xs[1];
    int cg = c / group;
    int mg = ws[1];
    int m = mg * group;
    long[] ks = ctx.ints("kernel_shape");
    long[] st = ctx.ints("strides");
    long[] dl = ctx.ints("dilations");
    long[] pads = ctx.ints("pads");
    long[] outPad = ctx.ints("output_padding");
    long[] outShapeAttr = ctx.ints("output_shape");
    String autoPad = ctx.s("auto_pad");
    int[] in = {1, 1, 1};
    int[] k = {1, 1, 1};
    int[] s = {1, 1, 1};
    int[] d = {1, 1, 1};
    int[] pb = new int[3];
    int[] out = {1, 1, 1};
    int off = 3 - spatial;
    for (int i = 0; i < spatial; i++) {
      int q = off + i;
      in[q] = xs[i + 2];
      k[q] = ks == null ? ws[i + 2] : (int) ks[i];
      s[q] = st == null ? 1 : (int) st[i];
      d[q] = dl == null ? 1 : (int) dl[i];
      int op = outPad == null ? 0 : (int) outPad[i];
      int full = s[q] * (in[q] - 1) + op + (k[q] - 1) * d[q] + 1;
      if (outShapeAttr != null || autoPad.startsWith("SAME")) {
        out[q] = outShapeAttr != null ? (int) outShapeAttr[outShapeAttr.length - spatial + i] : in[q] * s[q];
        int total = Math.max(0, full - out[q]);
        pb[q] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
        if (outShapeAttr != null && !autoPad.startsWith("SAME")) {
          pb[q] = total / 2;
        }
      } else {
        int b = pads == null ? 0 : (int) pads[i];
        int e = pads == null ? 0 : (int) pads[i + spatial];
        pb[q] = b;
        out[q] = full - b - e;
      }
    }
    int inSize = in[0] * in[1] * in[2];
    int outSize = out[0] * out[1] * out[2];
    int kSize = k[0] * k[1] * k[2];
    float[] xd = x.data();
    float[] wd = w.data();
    float[] y = new float[n * m * outSize];
    IntStream.range(0, n * group)
        .parallel()
        .forEach(
            ng -> {
              int b = ng / group;
              int g = ng % group;
              for (int ic = 0; ic < cg; ic++) {
                int xc = (b * c + g * cg + ic) * inSize;
                for (int oc = 0; oc < mg; oc++) {
                  int wOff = ((g * cg + ic) * mg + oc) * kSize;
                  int yOff = (b * m + g * mg + oc) * outSize;
                  for (int i0 = 0; i0 < in[0]; i0++) {
                    for (int i1 = 0; i1 < in[1]; i1++) {
                      for (int i2 = 0; i2 < in[2]; i2++) {
                        float xv = xd[xc + (i0 * in[1] + i1) * in[2] + i2];
                        for (int k0 = 0; k0 < k[0]; k0++) {
                          int o0 = i0 * s[0] - pb[0] + k0 * d[0];
                          if (o0 < 0 || o0 >= out[0]) continue;
                          for (int k1 = 0; k1 < k[1]; k1++) {
                            int o1 = i1 * s[1] - pb[1] + k1 * d[1];
                            if (o1 < 0 || o1 >= out[1]) continue;
                            for (int k2 = 0; k2 < k[2]; k2++) {
                              int o2 = i2 * s[2] - pb[2] + k2 * d[2];
                              if (o2 < 0 || o2 >= out[2]) continue;
                              y[yOff + (o0 * out[1] + o1) * out[2] + o2] +=
                                  xv * wd[wOff + (k0 * k[1] + k1) * k[2] + k2];
                            }
                          }
                        }
                      }
                    }
                  }
                }
              }
            });
    if (ctx.has(2)) {
      float[] bias = floats(ctx.in(2)).data();
      for (int b = 0; b < n; b++) {
        for (int oc = 0; oc < m; oc++) {
          int o = (b * m + oc) * outSize;
          for (int j = 0; j < outSize; j++) {
            y[o + j] += bias[oc];
          }
        }
      }
    }
    int[] shape = new int[spatial + 2];
    shape[0] = n;
    shape[1] = m;
    for (int i = 0; i < spatial; i++) {
      shape[i + 2] = out[off + i];
    }
    return List.of(like(new FloatTensor(FloatFormat.FP32, shape, y), ctx.in(0)));
  }

  enum PoolKind { MAX, AVERAGE, LP }

  static Kernel pool(PoolKind kind) {
    return ctx -> {
      FloatTensor x = floats(ctx.in(0));
      int[] xs = x.shape();
      Window w = new Window(ctx, xs, ctx.ints("kernel_shape"), ctx.i("ceil_mode") != 0);
      int planes = xs[0] * xs[1];
      float[] xd = x.data();
      float[] y = new float[planes * w.outSize()];
      long[] idx = kind == PoolKind.MAX && ctx.outputCount() > 1 ? new long[y.length] : null;
      boolean includePad = kind == PoolKind.AVERAGE && ctx.i("count_include_pad") != 0;
      boolean columnMajor = kind == PoolKind.MAX && ctx.i("storage_order") != 0;
      int pNorm = kind == PoolKind.LP ? (int) ctx.i("p") : 0;
      IntStream.range(0, planes)
          .parallel()
          .forEach(pl -> poolPlane(kind, w, xd, pl * w.inSize(), y, pl * w.outSize(), idx, includePad, pNorm, pl, columnMajor));
      FloatTensor out = new FloatTensor(FloatFormat.FP32, w.outShape(xs[0], xs[1]), y);
      if (idx != null) {
        return List.of(like(out, ctx.in(0)), new LongTensor(IntFormat.INT64, out.shape(), idx));
      }
      return List.of(like(out, ctx.in(0)));
    };
  }

  private static void poolPlane(
      PoolKind kind, Window w, float[] x, int xOff, float[] y, int yOff, long[] idx, boolean includePad, int p, int plane,
      boolean columnMajor) {
    int o = yOff;
    for (int od = 0; od < w.out[0]; od++) {
      for (int oh = 0; oh < w.out[1]; oh++) {
        for (int ow = 0; ow < w.out[2]; ow++, o++) {
          double acc = kind == PoolKind.MAX ? Double.NEGATIVE_INFINITY : 0;
          int count = 0;
          int padCount = 0;
          int best = -1;
          for (int kd = 0; kd < w.kernel[0]; kd++) {
            int id = od * w.stride[0] - w.padBegin[0] + kd * w.dilation[0];
            for (int kh = 0; kh < w.kernel[1]; kh++) {
              int ih = oh * w.stride[1] - w.padBegin[1] + kh * w.dilation[1];
              for (int kw = 0; kw < w.kernel[2]; kw++) {
                int iw = ow * w.stride[2] - w.padBegin[2] + kw * w.dilation[2];
                boolean inside = id >= 0 && id < w.in[0] && ih >= 0 && ih < w.in[1] && iw >= 0 && iw < w.in[2];
                if (!inside) {
                  // Windows may run past the end padding in ceil mode; only real padding counts.
                  if (id < w.in[0] + w.padEnd[0] && ih < w.in[1] + w.padEnd[1] && iw < w.in[2] + w.padEnd[2]) {
                    padCount++;
                  }
                  continue;
                }
                int flat = (id * w.in[1] + ih) * w.in[2] + iw;
                float v = x[xOff + flat];
                count++;
                switch (kind) {
                  case MAX -> {
                    if (v > acc || best < 0 && Float.isNaN(v)) {
                      acc = v;
                      best = columnMajor ? (iw * w.in[1] + ih) * w.in[0] + id : flat;
                    }
                  }
                  case AVERAGE -> acc += v;
                  case LP -> acc += Math.pow(Math.abs(v), p);
                }
              }
            }
          }
          switch (kind) {
            case MAX -> y[o] = (float) acc;
            case AVERAGE -> y[o] = (float) (acc / (includePad ? count + padCount : Math.max(count, 1)));
            case LP -> y[o] = (float) Math.pow(acc, 1.0 / p);
          }
          if (idx != null) {
            idx[o] = (long) plane * w.inSize() + Math.max(best, 0);
          }
        }
      }
    }
  }

  static List<Tensor> globalPool(KernelContext ctx, boolean max) {
    FloatTensor x = floats(ctx.in(0));
    int[] xs = x.shape();
    int planes = xs[0] * xs[1];
    int size = x.size() / Math.max(planes, 1);
    float[] xd = x.data();
    float[] y = new float[planes];
    for (int p = 0; p < planes; p++) {
      double acc = max ? Double.NEGATIVE_INFINITY : 0;
      for (int i = 0; i < size; i++) {
        float v = xd[p * size + i];
        acc = max ? Math.max(acc, v) : acc + v;
      }
      y[p] = (float) (max ? acc : acc / size);
    }
    int[] shape = xs.clone();
    for (int i = 2; i < shape.length; i++) {
      shape[i] = 1;
    }
    return List.of(like(new FloatTensor(FloatFormat.FP32, shape, y), ctx.in(0)));
  }
}
