// Gemm and MatMul.
package org.qcc.simulator.functional;

import java.util.List;
import java.util.stream.IntStream;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.ExactLayer;

/** Dense matrix products in fp32 (integer MatMul goes through exact long arithmetic). */
final class LinearKernels {
  private LinearKernels() {}

  static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  private static boolean[] transpose(boolean[] a, int rows, int cols) {
    boolean[] t = new boolean[a.length];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        t[j * rows + i] = a[i * cols + j];
      }
    }
    return t;
  }

  static List<Tensor> gemm(KernelContext ctx) {
    return gemm(ctx, null, null);
  }

  /**
   * Gemm; with {@code exact} (non-null), on integer codes as {@link ExactLayer} defines (alpha is in
   * its multipliers); in fp32, without the products of B's elements that {@code kept} (non-null,
   * indexed like B as given) prunes.
   */
  static List<Tensor> gemm(KernelContext ctx, ExactLayer exact, boolean[] kept) {
    FloatTensor a = ConvKernels.floats(ctx.in(0));
    FloatTensor b = ConvKernels.floats(ctx.in(1));
    if (a.rank() != 2 || b.rank() != 2) {
      throw new IllegalArgumentException("Gemm needs 2-d inputs");
    }
    boolean ta = ctx.i("transA") != 0;
    boolean tb = ctx.i("transB") != 0;
    int m = ta ? a.dim(1) : a.dim(0);
    int k = ta ? a.dim(0) : a.dim(1);
    int kb = tb ? b.dim(1) : b.dim(0);
    int n = tb ? b.dim(0) : b.dim(1);
    if (k != kb) {
      throw new IllegalArgumentException("inner dimensions " + k + " and " + kb + " differ");
    }
    float[] ad = ta ? transpose(a.data(), a.dim(0), a.dim(1)) : a.data();
    float[] bd = tb ? transpose(b.data(), b.dim(0), b.dim(1)) : b.data();
    boolean[] bKept = kept == null || !tb ? kept : transpose(kept, b.dim(0), b.dim(1));
    float[] y = new float[m * n];
    float beta = ctx.f("beta");
    if (exact != null) {
      ExactGemm.multiply(m, n, k, ExactGemm.Codes.of(exact.dataCodes(ad)), 0, ExactGemm.Codes.of(exact.weightCodes(bd, new int[] {k, n}, 1)), 0, y, 0, exact.wide(), true);
      Tensor c = ctx.has(2) && beta != 0f ? ctx.in(2) : null;
      int[] offs = c == null ? null : Broadcast.offsets(new int[] {m, n}, c.shape())[0];
      for (int i = 0; i < y.length; i++) {
        float bias = c == null ? 0f : beta * (float) c.getDouble(offs[i]);
        y[i] = exact.requantize(y[i], i % n, bias, c != null);
      }
      return List.of(ConvKernels.like(new FloatTensor(FloatFormat.FP32, new int[] {m, n}, y), ctx.in(0)));
    }
    Sgemm.multiply(m, n, k, ad, 0, null, bd, 0, bKept, y, 0, true);
    float alpha = ctx.f("alpha");
    if (alpha != 1f) {
      for (int i = 0; i < y.length; i++) {
        y[i] *= alpha;
      }
    }
    if (ctx.has(2) && beta != 0f) {
      Tensor c = ctx.in(2);
      int[][] offs = Broadcast.offsets(new int[] {m, n}, c.shape());
      for (int i = 0; i < y.length; i++) {
        y[i] += beta * (float) c.getDouble(offs[0][i]);
      }
    }
    return List.of(ConvKernels.like(new FloatTensor(FloatFormat.FP32, new int[] {m, n}, y), ctx.in(0)));
  }

  static List<Tensor> matmul(KernelContext ctx) {
    return matmul(ctx, null, null);
  }

  /**
   * MatMul; with {@code exact} (non-null, a rank-2 weight), on integer codes as {@link ExactLayer}
   * defines; in fp32, without the products of B's elements that {@code kept} (non-null, indexed like
   * B) prunes.
   */
  static List<Tensor> matmul(KernelContext ctx, ExactLayer exact, boolean[] kept) {
    Tensor a0 = ctx.in(0);
    Tensor b0 = ctx.in(1);
    int[] as = a0.shape();
    int[] bs = b0.shape();
    boolean aVec = as.length == 1;
    boolean bVec = bs.length == 1;
    if (aVec) {
      as = new int[] {1, as[0]};
    }
    if (bVec) {
      bs = new int[] {bs[0], 1};
    }
    int m = as[as.length - 2];
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    if (bs[bs.length - 2] != k) {
      throw new IllegalArgumentException("inner dimensions " + k + " and " + bs[bs.length - 2] + " differ");
    }
    int[] aBatch = java.util.Arrays.copyOf(as, as.length - 2);
    int[] bBatch = java.util.Arrays.copyOf(bs, bs.length - 2);
    int[] batch = Broadcast.shape(aBatch, bBatch);
    int[][] offs = Broadcast.offsets(batch, aBatch, bBatch);
    int batches = offs[0].length;
    int[] outShape = new int[batch.length + (aVec ? 0 : 1) + (bVec ? 0 : 1)];
    System.arraycopy(batch, 0, outShape, 0, batch.length);
    int p = batch.length;
    if (!aVec) {
      outShape[p++] = m;
    }
    if (!bVec) {
      outShape[p] = n;
    }
    if (!a0.format().isFloatingPoint()) {
      Tensor y = Tensor.zeros(a0.format(), outShape);
      for (int bt = 0; bt < batches; bt++) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            long acc = 0;
            for (int q = 0; q < k; q++) {
              acc += a0.getLong(offs[0][bt] * m * k + i * k + q) * b0.getLong(offs[1][bt] * k * n + q * n + j);
            }
            y.setLong((bt * m + i) * n + j, acc);
          }
        }
      }
      return List.of(y);
    }
    float[] a = ConvKernels.floats(a0).data();
    float[] b = ConvKernels.floats(b0).data();
    float[] y = new float[batches * m * n];
    if (exact != null) {
      if (b0.rank() != 2) {
        throw new IllegalArgumentException("an integer-accumulating MatMul needs a rank-2 weight, got rank " + b0.rank());
      }
      ExactGemm.multiply(batches * m, n, k, ExactGemm.Codes.of(exact.dataCodes(a)), 0, ExactGemm.Codes.of(exact.weightCodes(b, bs, 1)), 0, y, 0, exact.wide(), true);
      for (int i = 0; i < y.length; i++) {
        y[i] = exact.requantize(y[i], i % n, 0f, false);
      }
      return List.of(ConvKernels.like(new FloatTensor(FloatFormat.FP32, outShape, y), a0));
    }
    int[] ao = offs[0];
    int[] bo = offs[1];
    IntStream.range(0, batches)
        .parallel()
        .forEach(bt -> Sgemm.multiply(m, n, k, a, ao[bt] * m * k, null, b, bo[bt] * k * n, kept, y, bt * m * n, batches == 1));
    return List.of(ConvKernels.like(new FloatTensor(FloatFormat.FP32, outShape, y), a0));
  }
}
