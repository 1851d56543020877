// Reductions: Reduce* over axes, ArgMax/ArgMin along one axis.
package org.qcc.simulator.functional;

import java.util.List;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.IntFormat;

/** Reduce* and ArgMax/ArgMin. Floating-point sums accumulate in double, in index order. */
final class ReduceKernels {
  private ReduceKernels() {}

  static Kernel reduce(String op) {
    return ctx -> {
      Tensor x = ctx.in(0);
      long[] axes = ctx.hasAttrOnNode("axes") ? ctx.ints("axes") : ctx.intsInput(1);
      boolean keep = ctx.i("keepdims") != 0;
      int rank = x.rank();
      boolean[] red = new boolean[rank];
      if (axes == null || axes.length == 0) {
        if (ctx.i("noop_with_empty_axes") != 0) {
          return List.of(x);
        }
        java.util.Arrays.fill(red, true);
      } else {
        for (long a : axes) {
          red[TensorKernels.axis(a, rank)] = true;
        }
      }
      int[] xs = x.shape();
      int[] ks = new int[rank];
      int outRank = 0;
      for (int d = 0; d < rank; d++) {
        ks[d] = red[d] ? 1 : xs[d];
        if (!red[d] || keep) {
          outRank++;
        }
      }
      int[] ys = new int[outRank];
      for (int d = 0, o = 0; d < rank; d++) {
        if (!red[d] || keep) {
          ys[o++] = ks[d];
        }
      }
      int n = Tensor.checkedSize(ks);
      double[] acc = new double[n];
      long[] accL = new long[n];
      int[] count = new int[1];
      boolean fp = x.format().isFloatingPoint();
      boolean isInt = !fp;
      double init = switch (op) {
        case "ReduceMax" -> Double.NEGATIVE_INFINITY;
        case "ReduceMin" -> Double.POSITIVE_INFINITY;
        case "ReduceProd" -> 1;
        default -> 0;
      };
      java.util.Arrays.fill(acc, init);
      long initL = switch (op) {
        case "ReduceMax" -> Long.MIN_VALUE;
        case "ReduceMin" -> Long.MAX_VALUE;
        case "ReduceProd" -> 1;
        default -> 0;
      };
      java.util.Arrays.fill(accL, initL);
      int[] kst = TensorKernels.strides(ks);
      int[] idx = new int[rank];
      count[0] = n == 0 ? 0 : x.size() / n;
      for (int i = 0; i < x.size(); i++) {
        int o = 0;
        for (int d = 0; d < rank; d++) {
          if (!red[d]) {
            o += idx[d] * kst[d];
          }
        }
        double v = fp ? x.getDouble(i) : x.getLong(i);
        switch (op) {
          case "ReduceMax" -> {
            acc[o] = Double.isNaN(v) || Double.isNaN(acc[o]) ? Double.NaN : Math.max(acc[o], v);
            accL[o] = Math.max(accL[o], x.getLong(i));
          }
          case "ReduceMin" -> {
            acc[o] = Double.isNaN(v) || Double.isNaN(acc[o]) ? Double.NaN : Math.min(acc[o], v);
            accL[o] = Math.min(accL[o], x.getLong(i));
          }
          case "ReduceProd" -> {
            acc[o] *= v;
            accL[o] *= x.getLong(i);
          }
          case "ReduceL1" -> {
            acc[o] += Math.abs(v);
            accL[o] += Math.abs(x.getLong(i));
          }
          case "ReduceL2", "ReduceSumSquare" -> {
            acc[o] += v * v;
            accL[o] += x.getLong(i) * x.getLong(i);
          }
          case "ReduceLogSumExp" -> acc[o] += RefMath.exp(v);
          default -> {
            acc[o] += v;
            accL[o] += x.getLong(i);
          }
        }
        for (int d = rank - 1; d >= 0; d--) {
          if (++idx[d] < xs[d]) {
            break;
          }
          idx[d] = 0;
        }
      }
      Tensor y = Tensor.zeros(x.format(), ys);
      for (int o = 0; o < n; o++) {
        double r = switch (op) {
          case "ReduceMean" -> acc[o] / count[0];
          case "ReduceL2" -> Math.sqrt(acc[o]);
          case "ReduceLogSum", "ReduceLogSumExp" -> Math.log(acc[o]);
          default -> acc[o];
        };
        if (isInt && !op.equals("ReduceMean") && !op.equals("ReduceL2") && !op.startsWith("ReduceLog")) {
          y.setLong(o, accL[o]);
        } else if (isInt) {
          y.setLong(o, (long) Math.floor(r));
        } else {
          y.setDouble(o, r);
        }
      }
      return List.of(y);
    };
  }

  static Kernel arg(boolean max) {
    return ctx -> {
      Tensor x = ctx.in(0);
      int rank = x.rank();
      int axis = TensorKernels.axis(ctx.i("axis"), rank);
      boolean keep = ctx.i("keepdims") != 0;
      boolean last = ctx.i("select_last_index") != 0;
      int[] xs = x.shape();
      int len = xs[axis];
      int inner = TensorKernels.strides(xs)[axis];
      int outer = x.size() / Math.max(len * inner, 1);
      int[] ys;
      if (keep) {
        ys = xs.clone();
        ys[axis] = 1;
      } else {
        ys = new int[rank - 1];
        for (int d = 0, o = 0; d < rank; d++) {
          if (d != axis) {
            ys[o++] = xs[d];
          }
        }
      }
      Tensor y = Tensor.zeros(IntFormat.INT64, ys);
      for (int o = 0; o < outer; o++) {
        for (int in = 0; in < inner; in++) {
          int best = 0;
          double bv = x.getDouble(o * len * inner + in);
          for (int k = 1; k < len; k++) {
            double v = x.getDouble((o * len + k) * inner + in);
            boolean better = max ? (last ? v >= bv : v > bv) : (last ? v <= bv : v < bv);
            if (better) {
              bv = v;
              best = k;
            }
          }
          y.setLong(o * inner + in, best);
        }
      }
      return List.of(y);
    };
  }
}
