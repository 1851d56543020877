// 2-d convolution: im2col into scratch, then the tiled GEMM with the weights as its left operand.
package org.qcc.backends.llvm;

import java.util.Arrays;

/**
 * Conv over NCHW images with constant weights and bias, any group count, stride, dilation and
 * explicit or SAME/VALID padding. Like the interpreter it multiplies the weights (output channels
 * by channel x kernel taps) with the im2col matrix (taps by output positions), so each output sums
 * its products in the same order; padding contributes zero products there, and here too.
 */
final class ConvLayer {
  private ConvLayer() {}

  /**
   * The layer's constants and sizes, checked. Weights are (m, cg, kh, kw), row-major, each row
   * padded to the GEMM's row length; with {@code exact} they are codes of type {@code elem}, and
   * the input becomes codes before im2col copies it. N:M sparse weights are {@code sparse} instead
   * (and {@code w} is null): each output channel's kept taps, in fp32 or the exact path's fp32/fp64.
   */
  private record Setup(Geometry g, int group, int channels, int m, long taps, String w, GemmEmitter.Left.Sparse sparse, String bias, ExactPlan exact, ElemType elem) {
    int cg() {
      return channels / group;
    }

    int mg() {
      return m / group;
    }

    long inPlane() {
      return (long) g.inH() * g.inW();
    }
  }

  /** {@code cpu}: the element type is the CPU GEMM's (16-bit codes where they fit); else one thread's scalar type. */
  private static Setup setup(LayerContext c, boolean cpu) {
    int[] xs = c.inShape(0);
    int[] ws = c.constant(1).map(t -> t.shape()).orElseThrow(() -> c.fail("the weights must be a constant for the LLVM backend"));
    if (xs.length != 3 || ws.length != 4) {
      throw c.fail("only 2-d convolutions are supported, got an input of rank " + (xs.length + 1));
    }
    int group = (int) c.i("group", 1);
    int channels = xs[0];
    int m = ws[0];
    if (channels != ws[1] * group || m % group != 0) {
      throw c.fail("input channels " + channels + " do not match the weights " + Arrays.toString(ws) + " with group " + group);
    }
    Geometry g = Geometry.of(c, xs, new int[] {ws[2], ws[3]}, c.outShape(0));
    String bias = c.has(2) ? c.global(c.constantFloats(2, "bias")) : null;
    ExactPlan exact = ExactPlan.of(c, m).orElse(null);
    java.util.Optional<boolean[]> kept = c.kept();
    ElemType elem = exact == null ? ElemType.FLOAT : cpu && kept.isEmpty() ? exact.gemmElem() : exact.elem();
    float[] w = c.constantFloats(1, "weights");
    w = exact == null ? w : exact.layer().weightCodes(w, ws, 0);
    long taps = (long) ws[1] * ws[2] * ws[3];
    if (kept.isPresent()) {
      GemmEmitter.Left.Sparse sparse = SparseRows.ofRows(c, w, kept.get(), m, taps).left(c, elem);
      return new Setup(g, group, channels, m, taps, null, sparse, bias, exact, elem);
    }
    return new Setup(g, group, channels, m, taps, c.global(elem.paddedRows(w, m, taps), elem), null, bias, exact, elem);
  }

  /** Columns a GEMM wants at least: small images are batched side by side until they fill this many. */
  private static final int MIN_COLUMNS = 256;

  static void emit(LayerContext c, int lanes, boolean relu) {
    Setup s = setup(c, true);
    Geometry g = s.g();
    long p = (long) g.outH() * g.outW();
    int together = 1;
    while (together < ModelLowering.TILE && together * p < MIN_COLUMNS) {
      together *= 2;
    }
    if (together == 1) {
      emitPerImage(c, s, lanes, relu);
    } else {
      emitBatched(c, s, together, lanes, relu);
    }
  }

  /** Each image's own GEMM; a pointwise fp32 kernel multiplies the input in place. */
  private static void emitPerImage(LayerContext c, Setup s, int lanes, boolean relu) {
    Geometry g = s.g();
    ElemType el = s.elem();
    long p = (long) g.outH() * g.outW();
    GemmEmitter.Shape shape = GemmEmitter.Shape.of(s.taps(), p, lanes, el);
    IrFunction f = c.f();
    boolean direct = g.isPointwise() && s.exact() == null;
    String codes = s.exact() == null ? null : c.scratch(s.cg() * s.inPlane() * el.bytes());
    String col = direct ? null : c.scratch(s.taps() * p * el.bytes());
    String panel = c.scratch(shape.panelBytes());
    String b = f.forLoop("0", c.count(), 1);
    for (int gi = 0; gi < s.group(); gi++) {
      String x = groupInput(c, s, b, gi, codes);
      String y = f.floatAt(c.out(0), f.mulAdd(b, (long) s.m() * p, String.valueOf((long) gi * s.mg() * p)));
      if (!direct) {
        im2col(f, col, x, p, s.cg(), g, el);
      }
      GemmEmitter.emit(f, groupWeights(f, s, gi), new GemmEmitter.Right.RowMajor(direct ? x : col, panel), y, s.mg(), shape, groupEpilogue(f, s, gi, relu));
    }
    f.endLoop();
  }

  /** Group {@code gi}'s channels of image {@code b}: the input itself, or its codes in {@code codes} (written here). */
  private static String groupInput(LayerContext c, Setup s, String b, int gi, String codes) {
    IrFunction f = c.f();
    long size = s.cg() * s.inPlane();
    String x = f.floatAt(c.in(0), f.mulAdd(b, s.channels() * s.inPlane(), String.valueOf(gi * size)));
    if (codes == null) {
      return x;
    }
    s.exact().codes(f, x, codes, String.valueOf(size), s.elem());
    return codes;
  }

  /**
   * {@code together} images side by side in one im2col matrix (taps by together * positions), so
   * small feature maps still give the GEMM long rows; the product goes through scratch to each
   * image's output. Slots hold a whole tile, so the images past {@code count} in the last group
   * exist; their columns are zeroed rather than read.
   */
  private static void emitBatched(LayerContext c, Setup s, int together, int lanes, boolean relu) {
    Geometry g = s.g();
    ElemType el = s.elem();
    int mg = s.mg();
    long taps = s.taps();
    long p = (long) g.outH() * g.outW();
    long n = together * p;
    GemmEmitter.Shape shape = GemmEmitter.Shape.of(taps, n, lanes, el);
    IrFunction f = c.f();
    String codes = s.exact() == null ? null : c.scratch(s.cg() * s.inPlane() * el.bytes());
    String col = c.scratch(taps * n * el.bytes());
    String product = c.scratch(mg * n * 4);
    String panel = c.scratch(shape.panelBytes());
    String b0 = f.forLoop("0", c.count(), together);
    for (int gi = 0; gi < s.group(); gi++) {
      String i = f.forLoop("0", String.valueOf(together), 1);
      String b = f.add(b0, i);
      String columns = f.at(el.ir(), col, f.let("mul nsw i64 " + i + ", " + p));
      String label = f.fresh().substring(1);
      f.emit("br i1 " + f.let("icmp slt i64 " + b + ", " + c.count()) + ", label %" + label + ".copy, label %" + label + ".zero");
      f.label(label + ".copy");
      im2col(f, columns, groupInput(c, s, b, gi, codes), n, s.cg(), g, el);
      f.emit("br label %" + label + ".done");
      f.label(label + ".zero");
      String row = f.forLoop("0", String.valueOf(taps), 1);
      zero(f, el, f.at(el.ir(), columns, f.let("mul nsw i64 " + row + ", " + n)), 0, p);
      f.endLoop();
      f.emit("br label %" + label + ".done");
      f.label(label + ".done");
      f.endLoop();
      GemmEmitter.emit(f, groupWeights(f, s, gi), new GemmEmitter.Right.RowMajor(col, panel), product, mg, shape, groupEpilogue(f, s, gi, relu));
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

  private static GemmEmitter.Left groupWeights(IrFunction f, Setup s, int gi) {
    if (s.sparse() != null) {
      return s.sparse().fromRow(f, (long) gi * s.mg());
    }
    return new GemmEmitter.Left.Rows(f.at(s.elem().ir(), s.w(), String.valueOf(gi * s.mg() * s.elem().padded(s.taps()))));
  }

  private static GemmEmitter.Epilogue groupEpilogue(IrFunction f, Setup s, int gi, boolean relu) {
    String bg = s.bias() == null ? null : f.let("getelementptr inbounds float, ptr " + s.bias() + ", i64 " + (long) gi * s.mg());
    if (s.exact() == null) {
      return GemmEmitter.Epilogue.of(1f, bg, null).withRelu(relu);
    }
    String scale = f.let("getelementptr inbounds float, ptr " + s.exact().multipliers() + ", i64 " + (long) gi * s.mg());
    return GemmEmitter.Epilogue.scaled(bg, null, scale, null).withRelu(relu);
  }

  /**
   * One output (image, channel, row, column) directly: the im2col product's taps in the same
   * order, padding read as +0, then the bias.
   */
  static void emitAt(LayerContext c, boolean relu) {
    Setup s = setup(c, false);
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
    String elem = s.elem().ir();
    String acc = f.alloca(elem);
    f.emit("store " + elem + " 0.0, ptr " + acc);
    if (s.sparse() != null) {
      sparseTermsAt(f, s, x, m, oh, ow, acc);
    } else {
      termsAt(f, s, x, m, oh, ow, acc);
    }
    String y = GemmEmitter.toFloat(f, s.elem(), elem, f.let("load " + elem + ", ptr " + acc));
    String bias = s.bias() == null ? null : f.let("load float, ptr " + f.floatAt(s.bias(), m));
    if (s.exact() != null) {
      y = GemmEmitter.requantize(f, "float", y, f.let("load float, ptr " + f.floatAt(s.exact().multipliers(), m)), bias);
    } else if (bias != null) {
      y = f.let("fadd float " + y + ", " + bias);
    }
    y = relu ? Ir.relu(f, "float", y) : y;
    f.emit("store float " + y + ", ptr " + f.floatAt(c.out(0), idx) + ", align 4");
  }

  /** Every tap of output channel {@code m} at (oh, ow) into {@code acc}, in the im2col order. */
  private static void termsAt(IrFunction f, Setup s, String x, String m, String oh, String ow, String acc) {
    Geometry g = s.g();
    String elem = s.elem().ir();
    long plane = s.inPlane();
    String wRow = f.at(elem, s.w(), f.let("mul nsw i64 " + m + ", " + s.taps()));
    String ch = f.forLoop("0", String.valueOf(s.cg()), 1);
    String xc = f.floatAt(x, f.let("mul nsw i64 " + ch + ", " + plane));
    String wc = f.at(elem, wRow, f.let("mul nsw i64 " + ch + ", " + (long) g.kernelH() * g.kernelW()));
    for (int kh = 0; kh < g.kernelH(); kh++) {
      String ih = f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + (kh * g.dilationH() - g.padTop()));
      for (int kw = 0; kw < g.kernelW(); kw++) {
        String iw = f.let("add nsw i64 " + f.let("mul nsw i64 " + ow + ", " + g.strideW()) + ", " + (kw * g.dilationW() - g.padLeft()));
        String wv = f.let("load " + elem + ", ptr " + f.at(elem, wc, String.valueOf((long) kh * g.kernelW() + kw)));
        accumulate(f, s, xc, ih, iw, wv, acc);
      }
    }
    f.endLoop();
  }

  /** Only the kept taps of output channel {@code m}: each tap's channel and kernel position from its index. */
  private static void sparseTermsAt(IrFunction f, Setup s, String x, String m, String oh, String ow, String acc) {
    Geometry g = s.g();
    long window = (long) g.kernelH() * g.kernelW();
    String t = f.forLoop("0", String.valueOf(s.sparse().perRow()), 1);
    String[] term = s.sparse().term(f, m, t);
    String ch = f.let("udiv i64 " + term[0] + ", " + window);
    String pos = f.let("urem i64 " + term[0] + ", " + window);
    String kh = f.let("udiv i64 " + pos + ", " + g.kernelW());
    String kw = f.let("urem i64 " + pos + ", " + g.kernelW());
    String ih = f.add(f.let("mul nsw i64 " + oh + ", " + g.strideH()), f.let("add nsw i64 " + f.let("mul nsw i64 " + kh + ", " + g.dilationH()) + ", " + -g.padTop()));
    String iw = f.add(f.let("mul nsw i64 " + ow + ", " + g.strideW()), f.let("add nsw i64 " + f.let("mul nsw i64 " + kw + ", " + g.dilationW()) + ", " + -g.padLeft()));
    accumulate(f, s, f.floatAt(x, f.let("mul nsw i64 " + ch + ", " + s.inPlane())), ih, iw, term[1], acc);
    f.endLoop();
  }

  /** {@code acc = fma(w, x[ih][iw], acc)} over one channel plane, padding read as +0 (a code with {@code exact}). */
  private static void accumulate(IrFunction f, Setup s, String plane, String ih, String iw, String w, String acc) {
    Geometry g = s.g();
    String elem = s.elem().ir();
    String inside = f.let("and i1 " + inRange(f, ih, g.inH()) + ", " + inRange(f, iw, g.inW()));
    String safe = f.let("select i1 " + inside + ", i64 " + f.mulAdd(ih, g.inW(), iw) + ", i64 0");
    String v = f.let("load float, ptr " + f.floatAt(plane, safe) + ", align 4");
    String xv = f.let("select i1 " + inside + ", " + elem + " " + (s.exact() == null ? v : s.exact().code(f, v, s.elem())) + ", " + elem + " 0.0");
    f.emit("store " + elem + " " + GemmEmitter.fma(f, elem, w, xv, f.let("load " + elem + ", ptr " + acc)) + ", ptr " + acc);
  }

  /**
   * Rows (channel, kh, kw), columns output positions, elements of {@code el}; padding reads as
   * zero. For each tap the output rows and columns that read inside the image form a range known
   * at compile time, so the copy runs without per-element bounds checks (contiguous, hence
   * vectorized, at stride 1).
   */
  private static void im2col(IrFunction f, String col, String x, long rowStride, int channels, Geometry g, ElemType el) {
    String elem = el.ir();
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
        zero(f, el, dst, 0, (long) rows[0] * g.outW());
        String oh = f.forLoop(String.valueOf(rows[0]), String.valueOf(rows[1]), 1);
        String out = f.at(elem, dst, f.let("mul nsw i64 " + oh + ", " + g.outW()));
        zero(f, el, out, 0, cols[0]);
        String src = f.at(elem, x, f.add(plane, f.mulAdd(f.let("add nsw i64 " + f.let("mul nsw i64 " + oh + ", " + g.strideH()) + ", " + offH), g.inW(), String.valueOf(offW))));
        String ow = f.forLoop(String.valueOf(cols[0]), String.valueOf(cols[1]), 1);
        String v = f.let("load " + elem + ", ptr " + f.at(elem, src, f.let("mul nsw i64 " + ow + ", " + g.strideW())));
        f.emit("store " + elem + " " + v + ", ptr " + f.at(elem, out, ow));
        f.endLoop();
        zero(f, el, out, cols[1], g.outW());
        f.endLoop();
        zero(f, el, dst, (long) rows[1] * g.outW(), p);
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

  /** Zeroes elements [from, to) of type {@code el} from {@code base}. */
  private static void zero(IrFunction f, ElemType el, String base, long from, long to) {
    if (to > from) {
      f.emit("call void @llvm.memset.p0.i64(ptr " + f.at(el.ir(), base, String.valueOf(from)) + ", i8 0, i64 " + (to - from) * el.bytes() + ", i1 false)");
    }
  }

  static String inRange(IrFunction f, String i, long size) {
    String lo = f.let("icmp sge i64 " + i + ", 0");
    String hi = f.let("icmp slt i64 " + i + ", " + size);
    return f.let("and i1 " + lo + ", " + hi);
  }
}
