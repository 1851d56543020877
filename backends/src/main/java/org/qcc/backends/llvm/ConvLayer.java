// 2-d convolution: im2col into scratch, then the tiled GEMM with the weights as its left operand.
package org.qcc.backends.llvm;

/**
 * Conv over NCHW images with constant weights and bias, any group count, stride, dilation and
 * explicit or SAME/VALID padding. Like the interpreter it multiplies the weights (output channels
 * by channel x kernel taps) with the im2col matrix (taps by output positions), so each output sums
 * its products in the same order; padding contributes zero products there, and here too.
 */
final class ConvLayer {
  private ConvLayer() {}

  /**
   * The layer's constants and sizes, checked. Weights are (m, cg, kh, kw), row-major; with {@code
   * exact} they are codes, and the input becomes codes as im2col copies it.
   */
  private record Setup(Geometry g, int group, int channels, int m, long taps, String w, String bias, ExactPlan exact) {
    /** The element type of the weights and the im2col matrix. */
    String elem() {
      return exact == null ? "float" : exact.elem();
    }

    int floatsPerElem() {
      return exact == null ? 1 : exact.floatsPerCode();
    }

    int cg() {
      return channels / group;
    }

    int mg() {
      return m / group;
    }
  }

  private static Setup setup(LayerContext c) {
    int[] xs = c.inShape(0);
    int[] ws = c.constant(1).map(t -> t.shape()).orElseThrow(() -> c.fail("the weights must be a constant for the LLVM backend"));
    if (xs.length != 3 || ws.length != 4) {
      throw c.fail("only 2-d convolutions are supported, got an input of rank " + (xs.length + 1));
    }
    int group = (int) c.i("group", 1);
    int channels = xs[0];
    int m = ws[0];
    if (channels != ws[1] * group || m % group != 0) {
      throw c.fail("input channels " + channels + " do not match the weights " + java.util.Arrays.toString(ws) + " with group " + group);
    }
    Geometry g = Geometry.of(c, xs, new int[] {ws[2], ws[3]}, c.outShape(0));
    String bias = c.has(2) ? c.global(c.constantFloats(2, "bias")) : null;
    ExactPlan exact = ExactPlan.of(c, m).orElse(null);
    float[] w = c.constantFloats(1, "weights");
    String weights = exact == null ? c.global(w) : exact.global(c, exact.layer().weightCodes(w, ws, 0));
    return new Setup(g, group, channels, m, (long) ws[1] * ws[2] * ws[3], weights, bias, exact);
  }

  /** Columns a GEMM wants at least: small images are batched side by side until they fill this many. */
  private static final int MIN_COLUMNS = 256;

  static void emit(LayerContext c, int lanes) {
    Setup s = setup(c);
    Geometry g = s.g();
    long p = (long) g.outH() * g.outW();
    int together = 1;
    while (together < ModelLowering.TILE && together * p < MIN_COLUMNS) {
      together *= 2;
    }
    if (together == 1) {
      emitPerImage(c, s, lanes);
    } else {
      emitBatched(c, s, together, lanes);
    }
  }

  /** Each image's own GEMM; a pointwise kernel multiplies the input in place. */
  private static void emitPerImage(LayerContext c, Setup s, int lanes) {
    Geometry g = s.g();
    int cg = s.cg();
    int mg = s.mg();
    long taps = s.taps();
    long p = (long) g.outH() * g.outW();
    IrFunction f = c.f();
    boolean direct = g.isPointwise() && s.exact() == null;
    String col = direct ? null : c.scratch(taps * p * s.floatsPerElem());
    String b = f.forLoop("0", c.count(), 1);
    for (int gi = 0; gi < s.group(); gi++) {
      String x = f.floatAt(c.in(0), f.mulAdd(b, (long) s.channels() * g.inH() * g.inW(), String.valueOf((long) gi * cg * g.inH() * g.inW())));
      String y = f.floatAt(c.out(0), f.mulAdd(b, (long) s.m() * p, String.valueOf((long) gi * mg * p)));
      if (!direct) {
        im2col(f, col, x, p, cg, g, s.exact());
      }
      GemmEmitter.emit(f, groupWeights(f, s, gi), direct ? x : col, y, mg, p, taps, groupEpilogue(f, s, gi), lanes, s.elem());
    }
    f.endLoop();
  }

  /**
   * {@code together} images side by side in one im2col matrix (taps by together * positions), so
   * small feature maps still give the GEMM long rows; the product goes through scratch to each
   * image's output. Slots hold a whole tile, so the images past {@code count} in the last group
   * exist; their columns are zeroed rather than read.
   */
  private static void emitBatched(LayerContext c, Setup s, int together, int lanes) {
    Geometry g = s.g();
    int cg = s.cg();
    int mg = s.mg();
    long taps = s.taps();
    long p = (long) g.outH() * g.outW();
    long n = together * p;
    IrFunction f = c.f();
    String col = c.scratch(taps * n * s.floatsPerElem() + mg * n);
    String product = f.at(s.elem(), col, String.valueOf(taps * n));
    String b0 = f.forLoop("0", c.count(), together);
    for (int gi = 0; gi < s.group(); gi++) {
      String i = f.forLoop("0", String.valueOf(together), 1);
      String b = f.add(b0, i);
      String x = f.floatAt(c.in(0), f.mulAdd(b, (long) s.channels() * g.inH() * g.inW(), String.valueOf((long) gi * cg * g.inH() * g.inW())));
      String columns = f.at(s.elem(), col, f.let("mul nsw i64 " + i + ", " + p));
      String label = f.fresh().substring(1);
      f.emit("br i1 " + f.let("icmp slt i64 " + b + ", " + c.count()) + ", label %" + label + ".copy, label %" + label + ".zero");
      f.label(label + ".copy");
      im2col(f, columns, x, n, cg, g, s.exact());
      f.emit("br label %" + label + ".done");
      f.label(label + ".zero");
      String row = f.forLoop("0", String.valueOf(taps), 1);
      zero(f, s.elem(), f.at(s.elem(), columns, f.let("mul nsw i64 " + row + ", " + n)), 0, p);
      f.endLoop();
      f.emit("br label %" + label + ".done");
      f.label(label + ".done");
      f.endLoop();
      GemmEmitter.emit(f, groupWeights(f, s, gi), col, product, mg, n, taps, groupEpilogue(f, s, gi), lanes, s.elem());
      String left = f.let("sub nsw i64 " + c.count() + ", " + b0);
      String present = f.forLoop("0", f.let("select i1 " + f.let("icmp slt i64 " + left + ", " + together) + ", i64 " + left + ", i64 " + together), 1);
      String y = f.floatAt(c.out(0), f.mulAdd(f.add(b0, present), (long) s.m() * p, String.valueOf((long) gi * mg * p)));
      String from = f.floatAt(product, f.let("mul nsw i64 " + present + ", " + p));
      String mm = f.forLoop("0", String.valueOf(mg), 1);
      f.emit("call void @llvm.memcpy.p0.p0.i64(ptr " + f.floatAt(y, f.let("mul nsw i64 " + mm + ", " + p)) + ", ptr " + f.floatAt(from, f.let("mul nsw i64 " + mm + ", " + n)) + ", i64 " + p * 4 + ", i1 false)");
      f.endLoop();
      f.endLoop();
    }
    f.endLoop();
  }

  private static String groupWeights(IrFunction f, Setup s, int gi) {
    return f.at(s.elem(), s.w(), String.valueOf((long) gi * s.mg() * s.taps()));
  }

  private static GemmEmitter.Epilogue groupEpilogue(IrFunction f, Setup s, int gi) {
    String bg = s.bias() == null ? null : f.let("getelementptr inbounds float, ptr " + s.bias() + ", i64 " + (long) gi * s.mg());
    String scale = s.exact() == null ? null : f.let("getelementptr inbounds float, ptr " + s.exact().multipliers() + ", i64 " + (long) gi * s.mg());
    return new GemmEmitter.Epilogue(1f, bg, null, scale, null);
  }

  /**
   * One output (image, channel, row, column) directly: the im2col product's taps in the same
   * order, padding read as +0, then the bias.
   */
  static void emitAt(LayerContext c) {
    Setup s = setup(c);
    Geometry g = s.g();
    IrFunction f = c.f();
    String idx = c.index();
    String[] at = f.unflatten(idx, g.outW(), g.outH(), s.m());
    String ow = at[0];
    String oh = at[1];
    String m = at[2];
    String b = at[3];
    String gi = f.let("udiv i64 " + m + ", " + s.mg());
    long plane = (long) g.inH() * g.inW();
    String x = f.floatAt(c.in(0), f.add(f.let("mul nsw i64 " + b + ", " + s.channels() * plane), f.let("mul nsw i64 " + gi + ", " + s.cg() * plane)));
    String elem = s.elem();
    String wRow = f.at(elem, s.w(), f.let("mul nsw i64 " + m + ", " + s.taps()));
    String acc = f.alloca(elem);
    f.emit("store " + elem + " 0.0, ptr " + acc);
    String ch = f.forLoop("0", String.valueOf(s.cg()), 1);
    String xc = f.floatAt(x, f.let("mul nsw i64 " + ch + ", " + plane));
    String wc = f.at(elem, wRow, f.let("mul nsw i64 " + ch + ", " + (long) g.kernelH() * g.kernelW()));
    for (int kh = 0; kh < g.kernelH(); kh++) {
      String ih = f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + (kh * g.dilationH() - g.padTop()));
      for (int kw = 0; kw < g.kernelW(); kw++) {
        String iw = f.let("add nsw i64 " + f.let("mul nsw i64 " + ow + ", " + g.strideW()) + ", " + (kw * g.dilationW() - g.padLeft()));
        String inside = f.let("and i1 " + inRange(f, ih, g.inH()) + ", " + inRange(f, iw, g.inW()));
        String safe = f.let("select i1 " + inside + ", i64 " + f.mulAdd(ih, g.inW(), iw) + ", i64 0");
        String v = f.let("load float, ptr " + f.floatAt(xc, safe) + ", align 4");
        String xv = f.let("select i1 " + inside + ", " + elem + " " + (s.exact() == null ? v : s.exact().code(f, v)) + ", " + elem + " 0.0");
        String wv = f.let("load " + elem + ", ptr " + f.at(elem, wc, String.valueOf((long) kh * g.kernelW() + kw)));
        f.emit("store " + elem + " " + GemmEmitter.fma(f, elem, wv, xv, f.let("load " + elem + ", ptr " + acc)) + ", ptr " + acc);
      }
    }
    f.endLoop();
    String y = ExactPlan.toFloat(f, elem, f.let("load " + elem + ", ptr " + acc));
    String bias = s.bias() == null ? null : f.let("load float, ptr " + f.floatAt(s.bias(), m));
    if (s.exact() != null) {
      y = GemmEmitter.requantize(f, "float", y, f.let("load float, ptr " + f.floatAt(s.exact().multipliers(), m)), bias);
    } else if (bias != null) {
      y = f.let("fadd float " + y + ", " + bias);
    }
    f.emit("store float " + y + ", ptr " + f.floatAt(c.out(0), idx) + ", align 4");
  }

  /**
   * Rows (channel, kh, kw), columns output positions; padding reads as +0, values become codes
   * under {@code exact} (non-null). For each tap the
   * output rows and columns that read inside the image form a range known at compile time, so
   * the copy runs without per-element bounds checks (contiguous, hence vectorized, at stride 1).
   */
  private static void im2col(IrFunction f, String col, String x, long rowStride, int channels, Geometry g, ExactPlan exact) {
    String elem = exact == null ? "float" : exact.elem();
    long p = (long) g.outH() * g.outW();
    String ch = f.forLoop("0", String.valueOf(channels), 1);
    String plane = f.let("mul nsw i64 " + ch + ", " + (long) g.inH() * g.inW());
    for (int kh = 0; kh < g.kernelH(); kh++) {
      int offH = kh * g.dilationH() - g.padTop();
      int[] rows = inside(offH, g.strideH(), g.inH(), g.outH());
      for (int kw = 0; kw < g.kernelW(); kw++) {
        int offW = kw * g.dilationW() - g.padLeft();
        int[] cols = inside(offW, g.strideW(), g.inW(), g.outW());
        String row = f.mulAdd(ch, (long) g.kernelH() * g.kernelW(), String.valueOf((long) kh * g.kernelW() + kw));
        String dst = f.at(elem, col, f.let("mul nsw i64 " + row + ", " + rowStride));
        zero(f, elem, dst, 0, (long) rows[0] * g.outW());
        String oh = f.forLoop(String.valueOf(rows[0]), String.valueOf(rows[1]), 1);
        String out = f.at(elem, dst, f.let("mul nsw i64 " + oh + ", " + g.outW()));
        zero(f, elem, out, 0, cols[0]);
        String src = f.floatAt(x, f.add(plane, f.mulAdd(f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + offH), g.inW(), String.valueOf(offW))));
        String ow = f.forLoop(String.valueOf(cols[0]), String.valueOf(cols[1]), 1);
        String v = f.let("load float, ptr " + f.floatAt(src, f.let("mul nsw i64 " + ow + ", " + g.strideW())) + ", align 4");
        f.emit("store " + elem + " " + (exact == null ? v : exact.code(f, v)) + ", ptr " + f.at(elem, out, ow));
        f.endLoop();
        zero(f, elem, out, cols[1], g.outW());
        f.endLoop();
        zero(f, elem, dst, (long) rows[1] * g.outW(), p);
      }
    }
    f.endLoop();
  }

  /** The outputs o in [lo, hi) whose input o * stride + offset lies in [0, size). */
  static int[] inside(int offset, int stride, int size, int outputs) {
    int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
    lo = Math.min(lo, outputs);
    return new int[] {lo, Math.max(lo, Math.min(hi, outputs))};
  }

  /** Zeroes elements [from, to) of {@code elem} (float or double) from {@code base}. */
  private static void zero(IrFunction f, String elem, String base, long from, long to) {
    if (to > from) {
      long bytes = elem.equals("double") ? 8 : 4;
      f.emit("call void @llvm.memset.p0.i64(ptr " + f.at(elem, base, String.valueOf(from)) + ", i8 0, i64 " + (to - from) * bytes + ", i1 false)");
    }
  }

  static String inRange(IrFunction f, String i, long size) {
    String lo = f.let("icmp sge i64 " + i + ", 0");
    String hi = f.let("icmp slt i64 " + i + ", " + size);
    return f.let("and i1 " + lo + ", " + hi);
  }
}
