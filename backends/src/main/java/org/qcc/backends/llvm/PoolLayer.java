// Max and average pooling, windowed and global, in the interpreter's arithmetic.
package org.qcc.backends.llvm;

/**
 * Pooling over NCHW planes. Max keeps the interpreter's rule (the first element above the running
 * maximum, starting at -inf; a NaN wins only before anything was taken); averages sum in double in
 * window order and divide once, then round to float, as the interpreter does.
 */
final class PoolLayer {
  private PoolLayer() {}

  /** A checked 2-d pooling window; the pads after the image matter only for counting padding. */
  private record Window(Geometry g, boolean max, boolean includePad, int padBottom, int padRight) {
    /** No window reaches padding: the bounds checks fold away and the loops vectorize. */
    boolean alwaysInside() {
      return g.padTop() == 0 && g.padLeft() == 0 && (g.outH() - 1) * g.strideH() + g.kernelH() <= g.inH() && (g.outW() - 1) * g.strideW() + g.kernelW() <= g.inW();
    }
  }

  private static Window window(LayerContext c, boolean max) {
    int[] xs = c.inShape(0);
    long[] k = c.ints("kernel_shape");
    if (xs.length != 3 || k == null || k.length != 2) {
      throw c.fail("only 2-d pooling is supported");
    }
    if (c.ints("dilations") != null && java.util.Arrays.stream(c.ints("dilations")).anyMatch(d -> d != 1)) {
      throw c.fail("dilated pooling is not supported");
    }
    Geometry g = Geometry.of(c, xs, new int[] {(int) k[0], (int) k[1]}, c.outShape(0));
    long[] pads = c.ints("pads");
    return new Window(g, max, !max && c.i("count_include_pad", 0) != 0, pads == null ? 0 : (int) pads[2], pads == null ? 0 : (int) pads[3]);
  }

  static void emitWindow(LayerContext c, boolean max) {
    Window w = window(c, max);
    Geometry g = w.g();
    if (max && w.alwaysInside() && g.outW() >= 2) {
      emitMaxRows(c, g);
      return;
    }
    IrFunction f = c.f();
    String planes = f.let("mul nsw i64 " + c.count() + ", " + c.inShape(0)[0]);
    String pl = f.forLoop("0", planes, 1);
    String x = f.floatAt(c.in(0), f.let("mul nsw i64 " + pl + ", " + (long) g.inH() * g.inW()));
    String y = f.floatAt(c.out(0), f.let("mul nsw i64 " + pl + ", " + (long) g.outH() * g.outW()));
    String oh = f.forLoop("0", String.valueOf(g.outH()), 1);
    String ow = f.forLoop("0", String.valueOf(g.outW()), 1);
    f.emit("store float " + pooled(f, w, x, oh, ow) + ", ptr " + f.floatAt(y, f.mulAdd(oh, g.outW(), ow)) + ", align 4");
    f.endLoop();
    f.endLoop();
    f.endLoop();
  }

  /**
   * Max pooling whose windows stay inside the image, a vector of outputs of one row at a time: for
   * each tap, one load spans the lanes' inputs and a shuffle picks every stride-th. Rows narrower
   * than 8 use 4 or 2 lanes, and a row that is not a whole number of vectors ends with a vector
   * that overlaps the one before (recomputing a few outputs), so there is no scalar tail. Each lane
   * keeps the interpreter's rule in the interpreter's tap order.
   */
  private static void emitMaxRows(LayerContext c, Geometry g) {
    IrFunction f = c.f();
    int lanes = Integer.highestOneBit(Math.min(8, g.outW()));
    String type = Ir.vec(lanes);
    int span = (lanes - 1) * g.strideW() + 1;
    StringBuilder picks = new StringBuilder("<" + lanes + " x i32> <");
    for (int j = 0; j < lanes; j++) {
      picks.append(j == 0 ? "" : ", ").append("i32 ").append(j * g.strideW());
    }
    picks.append('>');
    String planes = f.let("mul nsw i64 " + c.count() + ", " + c.inShape(0)[0]);
    String pl = f.forLoop("0", planes, 1);
    String x = f.floatAt(c.in(0), f.let("mul nsw i64 " + pl + ", " + (long) g.inH() * g.inW()));
    String y = f.floatAt(c.out(0), f.let("mul nsw i64 " + pl + ", " + (long) g.outH() * g.outW()));
    String oh = f.forLoop("0", String.valueOf(g.outH()), 1);
    for (int start = 0; start < g.outW(); start += lanes) {
      int ow0 = Math.min(start, g.outW() - lanes);
      String acc = negInf(type);
      for (int kh = 0; kh < g.kernelH(); kh++) {
        String row = f.let("mul nsw i64 " + f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + kh) + ", " + g.inW());
        for (int kw = 0; kw < g.kernelW(); kw++) {
          String at = f.floatAt(x, f.let("add nsw i64 " + row + ", " + ((long) ow0 * g.strideW() + kw)));
          String v = f.let("load " + Ir.vec(span) + ", ptr " + at + ", align 4");
          if (span != lanes) {
            v = f.let("shufflevector " + Ir.vec(span) + " " + v + ", " + Ir.vec(span) + " poison, " + picks);
          }
          acc = maxStep(f, type, acc, v, null);
        }
      }
      f.emit("store " + type + " " + acc + ", ptr " + f.floatAt(y, f.mulAdd(oh, g.outW(), String.valueOf(ow0))) + ", align 4");
    }
    f.endLoop();
    f.endLoop();
  }

  /**
   * The interpreter's max rule for one tap: {@code v} replaces the running maximum when above it,
   * or when it is NaN and nothing was taken yet (the maximum is still -inf; a taken value is above
   * it or NaN). {@code inside} (null: always) masks taps in padding.
   */
  private static String maxStep(IrFunction f, String type, String acc, String v, String inside) {
    String bits = Ir.sameShape(type, "i1");
    String above = f.let("fcmp ogt " + type + " " + v + ", " + acc);
    String firstNan = f.let("and " + bits + " " + f.let("fcmp oeq " + type + " " + acc + ", " + negInf(type)) + ", " + f.let("fcmp uno " + type + " " + v + ", " + v));
    String take = f.let("or " + bits + " " + above + ", " + firstNan);
    if (inside != null) {
      take = f.let("and i1 " + inside + ", " + take);
    }
    return f.let("select " + bits + " " + take + ", " + type + " " + v + ", " + type + " " + acc);
  }

  /** -inf as a constant of {@code type}, float or a float vector. */
  private static String negInf(String type) {
    String inf = "0xFFF0000000000000";
    if (!type.startsWith("<")) {
      return inf;
    }
    int lanes = Integer.parseInt(type.substring(1, type.indexOf(' ')));
    return "<" + String.join(", ", java.util.Collections.nCopies(lanes, "float " + inf)) + ">";
  }

  /** One output of a windowed pooling layer. */
  static void emitWindowAt(LayerContext c, boolean max) {
    Window w = window(c, max);
    Geometry g = w.g();
    IrFunction f = c.f();
    String[] at = f.unflatten(c.index(), g.outW(), g.outH());
    String x = f.floatAt(c.in(0), f.let("mul nsw i64 " + at[2] + ", " + (long) g.inH() * g.inW()));
    f.emit("store float " + pooled(f, w, x, at[1], at[0]) + ", ptr " + f.floatAt(c.out(0), c.index()) + ", align 4");
  }

  /** The pooled value at output (oh, ow) of the plane at {@code x}. */
  private static String pooled(IrFunction f, Window w, String x, String oh, String ow) {
    Geometry g = w.g();
    boolean max = w.max();
    String acc = f.alloca(max ? "float" : "double");
    String count = f.alloca("i64");
    f.emit(max ? "store float 0xFFF0000000000000, ptr " + acc : "store double 0.0, ptr " + acc);
    f.emit("store i64 0, ptr " + count);
    for (int kh = 0; kh < g.kernelH(); kh++) {
      String ih = f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + (kh - g.padTop()));
      for (int kw = 0; kw < g.kernelW(); kw++) {
        String iw = f.let("add nsw i64 " + f.let("mul nsw i64 " + ow + ", " + g.strideW()) + ", " + (kw - g.padLeft()));
        String inside = w.alwaysInside() ? "true" : f.let("and i1 " + ConvLayer.inRange(f, ih, g.inH()) + ", " + ConvLayer.inRange(f, iw, g.inW()));
        String safe = f.let("select i1 " + inside + ", i64 " + f.mulAdd(ih, g.inW(), iw) + ", i64 0");
        String v = f.let("load float, ptr " + f.floatAt(x, safe) + ", align 4");
        if (max) {
          f.emit("store float " + maxStep(f, "float", f.let("load float, ptr " + acc), v, inside) + ", ptr " + acc);
        } else {
          String vd = f.let("select i1 " + inside + ", double " + f.let("fpext float " + v + " to double") + ", double 0.0");
          f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + acc) + ", " + vd) + ", ptr " + acc);
          // Padding counts only where it is real padding (ceil mode can run past it).
          String counts = w.includePad() ? f.let("and i1 " + f.let("icmp slt i64 " + ih + ", " + (g.inH() + w.padBottom())) + ", " + f.let("icmp slt i64 " + iw + ", " + (g.inW() + w.padRight()))) : inside;
          f.emit("store i64 " + f.add(f.let("load i64, ptr " + count), f.let("zext i1 " + counts + " to i64")) + ", ptr " + count);
        }
      }
    }
    String result;
    if (max) {
      result = f.let("load float, ptr " + acc);
    } else {
      String n = f.let("load i64, ptr " + count);
      String d = f.let("uitofp i64 " + f.let("select i1 " + f.let("icmp eq i64 " + n + ", 0") + ", i64 1, i64 " + n) + " to double");
      result = f.let("fptrunc double " + f.let("fdiv double " + f.let("load double, ptr " + acc) + ", " + d) + " to float");
    }
    return result;
  }

  static void emitGlobal(LayerContext c, boolean max) {
    IrFunction f = c.f();
    String pl = f.forLoop("0", f.let("mul nsw i64 " + c.count() + ", " + c.inShape(0)[0]), 1);
    f.emit("store float " + globalPooled(c, max, pl) + ", ptr " + f.floatAt(c.out(0), pl) + ", align 4");
    f.endLoop();
  }

  /** One output (plane) of a global pooling layer. */
  static void emitGlobalAt(LayerContext c, boolean max) {
    c.f().emit("store float " + globalPooled(c, max, c.index()) + ", ptr " + c.f().floatAt(c.out(0), c.index()) + ", align 4");
  }

  /** Plane {@code pl} reduced in double, in order, rounded to float once. */
  private static String globalPooled(LayerContext c, boolean max, String pl) {
    int[] xs = c.inShape(0);
    long size = LayerContext.elements(xs) / xs[0];
    IrFunction f = c.f();
    String x = f.floatAt(c.in(0), f.let("mul nsw i64 " + pl + ", " + size));
    String acc = f.alloca("double");
    f.emit("store double " + (max ? "0xFFF0000000000000" : "0.0") + ", ptr " + acc);
    String i = f.forLoop("0", String.valueOf(size), 1);
    String v = f.let("fpext float " + f.let("load float, ptr " + f.floatAt(x, i) + ", align 4") + " to double");
    String cur = f.let("load double, ptr " + acc);
    // Math.max: NaN wins, and +0 beats -0.
    String next = max ? f.let("call double @llvm.maximum.f64(double " + cur + ", double " + v + ")") : f.let("fadd double " + cur + ", " + v);
    f.emit("store double " + next + ", ptr " + acc);
    f.endLoop();
    String r = f.let("load double, ptr " + acc);
    if (!max) {
      r = f.let("fdiv double " + r + ", " + Ir.f64(size));
    }
    return f.let("fptrunc double " + r + " to float");
  }
}
