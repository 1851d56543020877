// Data-movement kernels: reshapes, transposes, concatenation, slicing, gathering, padding.
package org.qcc.simulator.functional;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.AxisView;

/** Kernels that move elements without arithmetic. */
final class TensorKernels {
  private TensorKernels() {}

  static int axis(long a, int rank) {
    long r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) {
      throw new IllegalArgumentException("axis " + a + " out of range for rank " + rank);
    }
    return (int) r;
  }

  static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int st = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = st;
      st *= shape[i];
    }
    return s;
  }

  /** Copies element {@code from} of {@code src} to {@code to} of {@code dst} (same format family). */
  static void copy(Tensor src, int from, Tensor dst, int to) {
    if (src.format().isFloatingPoint()) {
      dst.setDouble(to, src.getDouble(from));
    } else {
      dst.setLong(to, src.getLong(from));
    }
  }

  /** A new tensor of {@code shape} whose element i is {@code src[index[i]]}. */
  static Tensor gatherFlat(Tensor src, int[] shape, int[] index) {
    Tensor out = Tensor.zeros(src.format(), shape);
    for (int i = 0; i < index.length; i++) {
      copy(src, index[i], out, i);
    }
    return out;
  }

  static List<Tensor> reshape(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long[] t = ctx.intsInput(1);
    boolean allowZero = ctx.i("allowzero") != 0;
    int[] shape = new int[t.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < t.length; i++) {
      if (t[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("two -1 entries in shape " + Arrays.toString(t));
        }
        infer = i;
        continue;
      }
      long v = t[i] == 0 && !allowZero ? (i < x.rank() ? x.dim(i) : -2) : t[i];
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("invalid shape " + Arrays.toString(t) + " for input " + Arrays.toString(x.shape()));
      }
      shape[i] = (int) v;
      known *= v;
    }
    if (infer >= 0) {
      if (known == 0 || x.size() % known != 0) {
        throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(t));
      }
      shape[infer] = (int) (x.size() / known);
    } else if (known != x.size()) {
      throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape()) + " to " + Arrays.toString(t));
    }
    return List.of(x.reshape(shape));
  }

  static List<Tensor> flatten(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long a = ctx.i("axis");
    int axis = (int) (a < 0 ? a + x.rank() : a);
    int outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= x.dim(i);
    }
    return List.of(x.reshape(outer, outer == 0 ? 0 : x.size() / outer));
  }

  static List<Tensor> transpose(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int rank = x.rank();
    long[] perm = ctx.ints("perm");
    int[] p = new int[rank];
    for (int i = 0; i < rank; i++) {
      p[i] = perm == null ? rank - 1 - i : axis(perm[i], rank);
    }
    int[] xs = x.shape();
    int[] ys = new int[rank];
    for (int i = 0; i < rank; i++) {
      ys[i] = xs[p[i]];
    }
    int[] xst = strides(xs);
    int[] st = new int[rank];
    for (int i = 0; i < rank; i++) {
      st[i] = xst[p[i]];
    }
    int n = x.size();
    int[] index = new int[n];
    int[] idx = new int[rank];
    int off = 0;
    for (int i = 0; i < n; i++) {
      index[i] = off;
      for (int d = rank - 1; d >= 0; d--) {
        idx[d]++;
        off += st[d];
        if (idx[d] < ys[d]) {
          break;
        }
        off -= st[d] * ys[d];
        idx[d] = 0;
      }
    }
    return List.of(gatherFlat(x, ys, index));
  }

  static List<Tensor> squeeze(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long[] axes = ctx.hasAttrOnNode("axes") ? ctx.ints("axes") : ctx.intsInput(1);
    boolean[] drop = new boolean[x.rank()];
    if (axes == null) {
      for (int i = 0; i < x.rank(); i++) {
        drop[i] = x.dim(i) == 1;
      }
    } else {
      for (long a : axes) {
        int i = axis(a, x.rank());
        if (x.dim(i) != 1) {
          throw new IllegalArgumentException("cannot squeeze axis " + a + " of size " + x.dim(i));
        }
        drop[i] = true;
      }
    }
    List<Integer> shape = new ArrayList<>();
    for (int i = 0; i < x.rank(); i++) {
      if (!drop[i]) {
        shape.add(x.dim(i));
      }
    }
    return List.of(x.reshape(shape.stream().mapToInt(Integer::intValue).toArray()));
  }

  static List<Tensor> unsqueeze(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long[] axes = ctx.hasAttrOnNode("axes") ? ctx.ints("axes") : ctx.intsInput(1);
    int rank = x.rank() + axes.length;
    boolean[] ins = new boolean[rank];
    for (long a : axes) {
      ins[axis(a, rank)] = true;
    }
    int[] shape = new int[rank];
    int src = 0;
    for (int i = 0; i < rank; i++) {
      shape[i] = ins[i] ? 1 : x.dim(src++);
    }
    return List.of(x.reshape(shape));
  }

  static List<Tensor> concat(KernelContext ctx) {
    Tensor first = ctx.in(0);
    int axis = axis(ctx.i("axis"), first.rank());
    int[] shape = first.shape();
    int total = 0;
    for (int k = 0; k < ctx.inputCount(); k++) {
      Tensor t = ctx.in(k);
      if (t.rank() != shape.length) {
        throw new IllegalArgumentException("input " + k + " has rank " + t.rank() + ", expected " + shape.length);
      }
      for (int d = 0; d < shape.length; d++) {
        if (d != axis && t.dim(d) != shape[d]) {
          throw new IllegalArgumentException("input " + k + " shape " + Arrays.toString(t.shape()) + " does not match " + Arrays.toString(shape));
        }
      }
      total += t.dim(axis);
    }
    shape[axis] = total;
    Tensor out = Tensor.zeros(first.format(), shape);
    int outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    int inner = out.size() / Math.max(outer * total, 1);
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (int k = 0; k < ctx.inputCount(); k++) {
        Tensor t = ctx.in(k);
        int chunk = t.dim(axis) * inner;
        for (int i = 0; i < chunk; i++) {
          copy(t, o * chunk + i, out, at++);
        }
      }
    }
    return List.of(out);
  }

  static List<Tensor> split(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int axis = axis(ctx.i("axis"), x.rank());
    int n = ctx.outputCount();
    long[] sizes = ctx.hasAttrOnNode("split") ? ctx.ints("split") : ctx.intsInput(1);
    int len = x.dim(axis);
    if (sizes == null) {
      sizes = new long[n];
      int chunk = (len + n - 1) / n;
      for (int i = 0; i < n; i++) {
        sizes[i] = Math.max(0, Math.min(chunk, len - chunk * i));
      }
    }
    if (sizes.length != n || Arrays.stream(sizes).sum() != len) {
      throw new IllegalArgumentException("split sizes " + Arrays.toString(sizes) + " do not cover axis of size " + len);
    }
    List<Tensor> out = new ArrayList<>();
    long start = 0;
    for (long s : sizes) {
      out.add(sliceAxis(x, axis, (int) start, (int) s));
      start += s;
    }
    return out;
  }

  private static Tensor sliceAxis(Tensor x, int axis, int start, int len) {
    int[] shape = x.shape();
    AxisView v = AxisView.of(shape, axis, "axis");
    int outer = v.outer();
    int inner = v.inner();
    int full = v.length();
    shape[axis] = len;
    Tensor out = Tensor.zeros(x.format(), shape);
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < len * inner; i++) {
        copy(x, (o * full + start) * inner + i, out, at++);
      }
    }
    return out;
  }

  static List<Tensor> slice(KernelContext ctx) {
    Tensor x = ctx.in(0);
    boolean attrForm = ctx.hasAttrOnNode("starts");
    long[] starts = attrForm ? ctx.ints("starts") : ctx.intsInput(1);
    long[] ends = attrForm ? ctx.ints("ends") : ctx.intsInput(2);
    long[] axes = attrForm ? ctx.ints("axes") : ctx.intsInput(3);
    long[] steps = attrForm ? null : ctx.intsInput(4);
    int rank = x.rank();
    int[] begin = new int[rank];
    int[] step = new int[rank];
    int[] shape = x.shape();
    Arrays.fill(step, 1);
    for (int k = 0; k < starts.length; k++) {
      int a = axis(axes == null ? k : axes[k], rank);
      long st = steps == null ? 1 : steps[k];
      if (st == 0) {
        throw new IllegalArgumentException("slice step 0");
      }
      long dim = x.dim(a);
      long s = starts[k] < 0 ? starts[k] + dim : starts[k];
      long e = ends[k] < 0 ? ends[k] + dim : ends[k];
      if (st > 0) {
        s = Math.max(0, Math.min(dim, s));
        e = Math.max(0, Math.min(dim, e));
        shape[a] = (int) Math.max(0, (e - s + st - 1) / st);
      } else {
        s = Math.max(-1, Math.min(dim - 1, s));
        e = Math.max(-1, Math.min(dim - 1, e));
        shape[a] = (int) Math.max(0, (s - e - st - 1) / -st);
      }
      begin[a] = (int) s;
      step[a] = (int) st;
    }
    int[] xst = strides(x.shape());
    int n = Tensor.checkedSize(shape);
    int[] index = new int[n];
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      int off = 0;
      for (int d = 0; d < rank; d++) {
        off += (begin[d] + idx[d] * step[d]) * xst[d];
      }
      index[i] = off;
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return List.of(gatherFlat(x, shape, index));
  }

  static List<Tensor> gather(KernelContext ctx) {
    Tensor x = ctx.in(0);
    Tensor ind = ctx.in(1);
    int axis = axis(ctx.i("axis"), x.rank());
    int[] xs = x.shape();
    AxisView v = AxisView.of(xs, axis, "axis");
    int outer = v.outer();
    int inner = v.inner();
    int[] shape = new int[xs.length - 1 + ind.rank()];
    System.arraycopy(xs, 0, shape, 0, axis);
    System.arraycopy(ind.shape(), 0, shape, axis, ind.rank());
    System.arraycopy(xs, axis + 1, shape, axis + ind.rank(), xs.length - axis - 1);
    int[] index = new int[Tensor.checkedSize(shape)];
    int at = 0;
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < ind.size(); j++) {
        long k = ind.getLong(j);
        if (k < 0) {
          k += xs[axis];
        }
        if (k < 0 || k >= xs[axis]) {
          throw new IllegalArgumentException("index " + ind.getLong(j) + " out of range for axis of size " + xs[axis]);
        }
        for (int i = 0; i < inner; i++) {
          index[at++] = (o * xs[axis] + (int) k) * inner + i;
        }
      }
    }
    return List.of(gatherFlat(x, shape, index));
  }

  static List<Tensor> gatherElements(KernelContext ctx) {
    Tensor x = ctx.in(0);
    Tensor ind = ctx.in(1);
    int axis = axis(ctx.i("axis"), x.rank());
    int[] is = ind.shape();
    int[] xst = strides(x.shape());
    int[] idx = new int[is.length];
    int[] index = new int[ind.size()];
    for (int i = 0; i < index.length; i++) {
      int off = 0;
      for (int d = 0; d < is.length; d++) {
        long v = d == axis ? ind.getLong(i) : idx[d];
        if (d == axis && v < 0) {
          v += x.dim(axis);
        }
        if (v < 0 || v >= x.dim(d)) {
          throw new IllegalArgumentException("index " + v + " out of range");
        }
        off += (int) v * xst[d];
      }
      index[i] = off;
      for (int d = is.length - 1; d >= 0; d--) {
        if (++idx[d] < is[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return List.of(gatherFlat(x, is, index));
  }

  static List<Tensor> pad(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int rank = x.rank();
    long[] pads = ctx.hasAttrOnNode("pads") ? ctx.ints("pads") : ctx.intsInput(1);
    double value = ctx.hasAttrOnNode("value") ? ctx.f("value") : ctx.has(2) ? ctx.in(2).getDouble(0) : 0;
    long[] axes = ctx.intsInput(3);
    long[] full = new long[2 * rank];
    int na = axes == null ? rank : axes.length;
    if (pads.length != 2 * na) {
      throw new IllegalArgumentException("pads has " + pads.length + " values, expected " + 2 * na);
    }
    for (int k = 0; k < na; k++) {
      int a = axes == null ? k : axis(axes[k], rank);
      full[a] = pads[k];
      full[a + rank] = pads[k + na];
    }
    String mode = ctx.s("mode");
    int[] xs = x.shape();
    int[] ys = new int[rank];
    for (int d = 0; d < rank; d++) {
      long v = xs[d] + full[d] + full[d + rank];
      if (v < 0) {
        throw new IllegalArgumentException("negative padded size");
      }
      ys[d] = (int) v;
    }
    Tensor out = Tensor.zeros(x.format(), ys);
    int[] xst = strides(xs);
    int[] idx = new int[rank];
    for (int i = 0; i < out.size(); i++) {
      int off = 0;
      boolean inside = true;
      for (int d = 0; d < rank && inside; d++) {
        long s = idx[d] - full[d];
        if (s < 0 || s >= xs[d]) {
          switch (mode) {
            case "constant" -> inside = false;
            case "edge" -> s = s < 0 ? 0 : xs[d] - 1;
            case "reflect" -> {
              int period = 2 * (xs[d] - 1);
              s = period == 0 ? 0 : Math.floorMod(s, period);
              if (s >= xs[d]) {
                s = period - s;
              }
            }
            case "wrap" -> s = Math.floorMod(s, xs[d]);
            default -> throw new IllegalArgumentException("unknown pad mode '" + mode + "'");
          }
        }
        off += (int) s * xst[d];
      }
      if (inside) {
        copy(x, off, out, i);
      } else if (x.format().isFloatingPoint()) {
        out.setDouble(i, value);
      } else {
        out.setLong(i, (long) value);
      }
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < ys[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return List.of(out);
  }

  static List<Tensor> expand(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long[] t = ctx.intsInput(1);
    int[] target = new int[t.length];
    for (int i = 0; i < t.length; i++) {
      target[i] = (int) t[i];
    }
    int[] shape = Broadcast.shape(x.shape(), target);
    return List.of(gatherFlat(x, shape, Broadcast.offsets(shape, x.shape())[0]));
  }

  static List<Tensor> tile(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long[] reps = ctx.intsInput(1);
    int rank = x.rank();
    int[] ys = new int[rank];
    for (int d = 0; d < rank; d++) {
      ys[d] = x.dim(d) * (int) reps[d];
    }
    int[] xst = strides(x.shape());
    int n = Tensor.checkedSize(ys);
    int[] index = new int[n];
    int[] idx = new int[rank];
    for (int i = 0; i < n; i++) {
      int off = 0;
      for (int d = 0; d < rank; d++) {
        off += (idx[d] % x.dim(d)) * xst[d];
      }
      index[i] = off;
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < ys[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return List.of(gatherFlat(x, ys, index));
  }

  static List<Tensor> shape(KernelContext ctx) {
    int[] s = ctx.in(0).shape();
    int rank = s.length;
    long start = ctx.hasAttrOnNode("start") ? ctx.i("start") : 0;
    long end = ctx.hasAttrOnNode("end") ? ctx.i("end") : rank;
    start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
    end = Math.max(start, Math.min(rank, end < 0 ? end + rank : end));
    long[] v = new long[(int) (end - start)];
    for (int i = 0; i < v.length; i++) {
      v[i] = s[(int) start + i];
    }
    return List.of(Tensor.ofLongs(new int[] {v.length}, v));
  }

  static List<Tensor> constantOfShape(KernelContext ctx) {
    long[] t = ctx.intsInput(0);
    int[] shape = new int[t.length];
    for (int i = 0; i < t.length; i++) {
      if (t[i] < 0 || t[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("invalid shape " + Arrays.toString(t));
      }
      shape[i] = (int) t[i];
    }
    Tensor value =
        ctx.attr("value").map(a -> ((org.qcc.ir.Attribute.TensorValue) a).value()).orElse(Tensor.scalar(0f));
    Tensor out = Tensor.zeros(value.format(), shape);
    for (int i = 0; i < out.size(); i++) {
      copy(value, 0, out, i);
    }
    return List.of(out);
  }

  static List<Tensor> range(KernelContext ctx) {
    Tensor start = ctx.in(0);
    Tensor limit = ctx.in(1);
    Tensor delta = ctx.in(2);
    double s = start.getDouble(0);
    double l = limit.getDouble(0);
    double d = delta.getDouble(0);
    if (d == 0) {
      throw new IllegalArgumentException("Range delta is 0");
    }
    long n = Math.max(0, (long) Math.ceil((l - s) / d));
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Range has too many elements");
    }
    Tensor out = Tensor.zeros(start.format(), (int) n);
    for (int i = 0; i < n; i++) {
      if (start.format().isFloatingPoint()) {
        out.setDouble(i, s + i * d);
      } else {
        out.setLong(i, start.getLong(0) + i * delta.getLong(0));
      }
    }
    return List.of(out);
  }

  static List<Tensor> depthToSpace(KernelContext ctx, boolean toSpace) {
    Tensor x = ctx.in(0);
    int bs = (int) ctx.i("blocksize");
    int n = x.dim(0);
    int c = x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    boolean crd = toSpace && ctx.s("mode").equals("CRD");
    int[] ys = toSpace ? new int[] {n, c / (bs * bs), h * bs, w * bs} : new int[] {n, c * bs * bs, h / bs, w / bs};
    int[] index = new int[x.size()];
    int at = 0;
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < ys[1]; oc++) {
        for (int oh = 0; oh < ys[2]; oh++) {
          for (int ow = 0; ow < ys[3]; ow++) {
            if (toSpace) {
              int cc = ys[1];
              int bh = oh % bs;
              int bw = ow % bs;
              int ic = crd ? oc * bs * bs + bh * bs + bw : (bh * bs + bw) * cc + oc;
              index[at++] = ((b * c + ic) * h + oh / bs) * w + ow / bs;
            } else {
              int blk = oc / c;
              int ic = oc % c;
              int ih = oh * bs + blk / bs;
              int iw = ow * bs + blk % bs;
              index[at++] = ((b * c + ic) * h + ih) * w + iw;
            }
          }
        }
      }
    }
    return List.of(gatherFlat(x, ys, index));
  }

  static List<Tensor> where(KernelContext ctx) {
    Tensor c = ctx.in(0);
    Tensor a = ctx.in(1);
    Tensor b = ctx.in(2);
    int[] shape = Broadcast.shape(c.shape(), a.shape(), b.shape());
    int[][] offs = Broadcast.offsets(shape, c.shape(), a.shape(), b.shape());
    Tensor out = Tensor.zeros(a.format(), shape);
    for (int i = 0; i < out.size(); i++) {
      if (c.getLong(offs[0][i]) != 0) {
        copy(a, offs[1][i], out, i);
      } else {
        copy(b, offs[2][i], out, i);
      }
    }
    return List.of(out);
  }

  static List<Tensor> clip(KernelContext ctx) {
    Tensor x = ctx.in(0);
    double lo = ctx.hasAttrOnNode("min") ? ctx.f("min") : ctx.has(1) ? ctx.in(1).getDouble(0) : Double.NEGATIVE_INFINITY;
    double hi = ctx.hasAttrOnNode("max") ? ctx.f("max") : ctx.has(2) ? ctx.in(2).getDouble(0) : Double.POSITIVE_INFINITY;
    if (!x.format().isFloatingPoint()) {
      long l = ctx.has(1) ? ctx.in(1).getLong(0) : Long.MIN_VALUE;
      long h = ctx.has(2) ? ctx.in(2).getLong(0) : Long.MAX_VALUE;
      return List.of(Elementwise.map(x, v -> v, v -> Math.min(h, Math.max(l, v))));
    }
    return List.of(Elementwise.map(x, v -> Double.isNaN(v) ? v : Math.min(hi, Math.max(lo, v)), null));
  }

  static List<Tensor> dropout(KernelContext ctx) {
    Tensor x = ctx.in(0);
    if (ctx.has(2) && ctx.in(2).getLong(0) != 0) {
      throw new IllegalArgumentException("Dropout in training mode is not supported");
    }
    if (ctx.outputCount() == 1) {
      return List.of(x);
    }
    Tensor mask = Tensor.zeros(org.qcc.ir.formats.BoolFormat.BOOL, x.shape());
    for (int i = 0; i < mask.size(); i++) {
      mask.setLong(i, 1);
    }
    return List.of(x, mask);
  }

  static List<Tensor> cumSum(KernelContext ctx) {
    Tensor x = ctx.in(0);
    int axis = axis(ctx.in(1).getLong(0), x.rank());
    boolean exclusive = ctx.i("exclusive") != 0;
    boolean reverse = ctx.i("reverse") != 0;
    int[] xs = x.shape();
    int len = xs[axis];
    int inner = strides(xs)[axis];
    int outer = x.size() / Math.max(len * inner, 1);
    Tensor out = Tensor.zeros(x.format(), xs);
    boolean fp = x.format().isFloatingPoint();
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        double accD = 0;
        long accL = 0;
        for (int k = 0; k < len; k++) {
          int j = reverse ? len - 1 - k : k;
          int at = (o * len + j) * inner + in;
          if (exclusive) {
            if (fp) out.setDouble(at, accD); else out.setLong(at, accL);
          }
          if (fp) accD += x.getDouble(at); else accL += x.getLong(at);
          if (!exclusive) {
            if (fp) out.setDouble(at, accD); else out.setLong(at, accL);
          }
        }
      }
    }
    return List.of(out);
  }

  static List<Tensor> trilu(KernelContext ctx) {
    Tensor x = ctx.in(0);
    long k = ctx.has(1) ? ctx.in(1).getLong(0) : 0;
    boolean upper = ctx.i("upper") != 0;
    int rank = x.rank();
    int rows = x.dim(rank - 2);
    int cols = x.dim(rank - 1);
    Tensor out = Tensor.zeros(x.format(), x.shape());
    for (int i = 0; i < x.size(); i++) {
      int c = i % cols;
      int r = (i / cols) % rows;
      boolean keep = upper ? c - r >= k : c - r <= k;
      if (keep) {
        copy(x, i, out, i);
      }
    }
    return List.of(out);
  }

  static List<Tensor> size(KernelContext ctx) {
    return List.of(Tensor.ofLongs(new int[0], ctx.in(0).size()));
  }
}
