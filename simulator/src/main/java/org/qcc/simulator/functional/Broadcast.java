// Numpy broadcasting: output shapes and per-input strides in output index space.
package org.qcc.simulator.functional;

import java.util.Arrays;

/** Shape arithmetic for multidirectional broadcasting. */
final class Broadcast {
  private Broadcast() {}

  static int[] shape(int[]... shapes) {
    int rank = 0;
    for (int[] s : shapes) {
      rank = Math.max(rank, s.length);
    }
    int[] out = new int[rank];
    Arrays.fill(out, 1);
    for (int[] s : shapes) {
      for (int i = 0; i < s.length; i++) {
        int o = rank - s.length + i;
        if (s[i] != out[o]) {
          if (out[o] == 1) {
            out[o] = s[i];
          } else if (s[i] != 1) {
            throw new IllegalArgumentException("shapes " + describe(shapes) + " do not broadcast");
          }
        }
      }
    }
    return out;
  }

  private static String describe(int[][] shapes) {
    StringBuilder sb = new StringBuilder();
    for (int[] s : shapes) {
      sb.append(sb.length() > 0 ? " and " : "").append(Arrays.toString(s));
    }
    return sb.toString();
  }

  /** Row-major strides of {@code in} aligned to {@code out}'s rank; 0 where broadcast. */
  static int[] strides(int[] in, int[] out) {
    int[] st = new int[out.length];
    int stride = 1;
    for (int i = in.length - 1; i >= 0; i--) {
      int o = out.length - in.length + i;
      st[o] = in[i] == 1 && out[o] != 1 ? 0 : stride;
      stride *= in[i];
    }
    return st;
  }

  /**
   * For each output element in row-major order, the flat offset into each input. Kernels use
   * it when shapes differ; equal shapes take a direct loop.
   */
  static int[][] offsets(int[] out, int[]... ins) {
    int n = org.qcc.ir.Tensor.checkedSize(out);
    int[][] offs = new int[ins.length][n];
    int[][] st = new int[ins.length][];
    for (int k = 0; k < ins.length; k++) {
      st[k] = strides(ins[k], out);
    }
    int rank = out.length;
    int[] idx = new int[rank];
    int[] cur = new int[ins.length];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < ins.length; k++) {
        offs[k][i] = cur[k];
      }
      for (int d = rank - 1; d >= 0; d--) {
        idx[d]++;
        for (int k = 0; k < ins.length; k++) {
          cur[k] += st[k][d];
        }
        if (idx[d] < out[d]) {
          break;
        }
        for (int k = 0; k < ins.length; k++) {
          cur[k] -= st[k][d] * out[d];
        }
        idx[d] = 0;
      }
    }
    return offs;
  }
}
