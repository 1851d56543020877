// Dimension arithmetic shared by shape rules: broadcasting, normalised axes, window sizes.
package org.qcc.ir.ops;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Dim;
import org.qcc.ir.Shape;

/** Helpers for shape rules over possibly symbolic dims. */
public final class Dims {
  public static final Dim UNKNOWN = Dim.symbol("?");

  private Dims() {}

  public static boolean isFixed(Dim d, long size) {
    return d instanceof Dim.Fixed f && f.size() == size;
  }

  /** Size of a fixed dim, or -1. */
  public static long size(Dim d) {
    return d instanceof Dim.Fixed f ? f.size() : -1;
  }

  /** Numpy-style multidirectional broadcast of two shapes. */
  public static Shape broadcast(Shape a, Shape b) {
    if (!a.ranked() || !b.ranked()) {
      return Shape.UNRANKED;
    }
    int rank = Math.max(a.rank(), b.rank());
    List<Dim> out = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      int ia = i - (rank - a.rank());
      int ib = i - (rank - b.rank());
      Dim da = ia >= 0 ? a.dim(ia) : Dim.of(1);
      Dim db = ib >= 0 ? b.dim(ib) : Dim.of(1);
      out.add(broadcastDim(da, db, a, b));
    }
    return Shape.of(out);
  }

  private static Dim broadcastDim(Dim da, Dim db, Shape a, Shape b) {
    if (da.equals(db)) {
      return da;
    }
    if (isFixed(da, 1)) {
      return db;
    }
    if (isFixed(db, 1)) {
      return da;
    }
    if (da instanceof Dim.Fixed && db instanceof Dim.Fixed) {
      throw new ShapeError("shapes " + a + " and " + b + " do not broadcast");
    }
    if (da instanceof Dim.Fixed) {
      return da;
    }
    if (db instanceof Dim.Fixed) {
      return db;
    }
    return UNKNOWN;
  }

  /** Normalises a possibly negative axis into [0, rank), or throws. */
  public static int axis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new ShapeError("axis " + axis + " out of range for rank " + rank);
    }
    return (int) a;
  }

  /** Dim times a constant, symbolic when unknown. */
  public static Dim times(Dim d, long k) {
    if (k == 1) {
      return d;
    }
    return d instanceof Dim.Fixed f ? Dim.of(f.size() * k) : UNKNOWN;
  }

  /** Product of dims, symbolic unless all are fixed (one symbolic dim times ones keeps it). */
  public static Dim product(List<Dim> dims) {
    long n = 1;
    Dim symbolic = null;
    for (Dim d : dims) {
      if (d instanceof Dim.Fixed f) {
        n = Math.multiplyExact(n, f.size());
      } else if (symbolic == null) {
        symbolic = d;
      } else {
        return UNKNOWN;
      }
    }
    if (symbolic != null) {
      return n == 1 ? symbolic : UNKNOWN;
    }
    return Dim.of(n);
  }

  /**
   * The dim q with product(total) = q * product(part): a number when both are numbers, a symbol
   * when it is the one symbol of {@code total} not cancelled by {@code part} (a reshape's -1 over a
   * batch dimension), else unknown. Throws when the numbers do not divide.
   */
  public static Dim quotient(List<Dim> total, List<Dim> part) {
    List<Dim> symbols = new ArrayList<>();
    long t = 1;
    for (Dim d : total) {
      if (d instanceof Dim.Fixed f) {
        t = Math.multiplyExact(t, f.size());
      } else {
        symbols.add(d);
      }
    }
    long p = 1;
    for (Dim d : part) {
      if (d instanceof Dim.Fixed f) {
        p = Math.multiplyExact(p, f.size());
      } else if (d.equals(UNKNOWN) || !symbols.remove(d)) {
        return UNKNOWN;
      }
    }
    if (symbols.contains(UNKNOWN) || symbols.size() > 1) {
      return UNKNOWN;
    }
    if (p == 0 || t % p != 0) {
      if (symbols.isEmpty()) {
        throw new ShapeError("cannot infer -1: " + t + " elements not divisible by " + p);
      }
      return UNKNOWN;
    }
    if (symbols.isEmpty()) {
      return Dim.of(t / p);
    }
    return t == p ? symbols.get(0) : UNKNOWN;
  }

  /**
   * Output size of a sliding window: floor (or ceil) of (in + pads - dilated kernel) / stride +
   * 1. In ceil mode a last window that would start inside the end padding is dropped.
   */
  public static Dim window(
      Dim in, long padBegin, long padEnd, long kernel, long stride, long dilation, boolean ceil) {
    if (!(in instanceof Dim.Fixed f)) {
      return UNKNOWN;
    }
    if (stride <= 0 || dilation <= 0 || kernel <= 0) {
      throw new ShapeError("kernel, stride and dilation must be positive");
    }
    long eff = dilation * (kernel - 1) + 1;
    long span = f.size() + padBegin + padEnd - eff;
    if (span < 0) {
      throw new ShapeError(
          "window of size " + eff + " does not fit input of size " + f.size() + " with padding");
    }
    long out = ceil ? Math.floorDiv(span + stride - 1, stride) + 1 : span / stride + 1;
    if (ceil && (out - 1) * stride >= f.size() + padBegin) {
      out--;
    }
    return Dim.of(out);
  }
}
