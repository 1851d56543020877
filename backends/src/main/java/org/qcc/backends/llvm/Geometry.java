// The 2-d window of a convolution or pooling layer.
package org.qcc.backends.llvm;

/** Input, kernel, stride, dilation, leading padding and output sizes of a 2-d sliding window. */
record Geometry(int inH, int inW, int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW, int padTop, int padLeft, int outH, int outW) {
  /** From the node's attributes; the output size comes from the graph (shape inference already applied the rules). */
  static Geometry of(LayerContext c, int[] chw, int[] kernel, int[] outShape) {
    long[] st = c.ints("strides");
    long[] dl = c.ints("dilations");
    long[] pads = c.ints("pads");
    int inH = chw[1];
    int inW = chw[2];
    int sh = st == null ? 1 : (int) st[0];
    int sw = st == null ? 1 : (int) st[1];
    int dh = dl == null ? 1 : (int) dl[0];
    int dw = dl == null ? 1 : (int) dl[1];
    int outH = outShape[1];
    int outW = outShape[2];
    int top = pads == null ? 0 : (int) pads[0];
    int left = pads == null ? 0 : (int) pads[1];
    String autoPad = c.s("auto_pad", "NOTSET");
    if (autoPad.startsWith("SAME")) {
      int totalH = Math.max(0, (outH - 1) * sh + dh * (kernel[0] - 1) + 1 - inH);
      int totalW = Math.max(0, (outW - 1) * sw + dw * (kernel[1] - 1) + 1 - inW);
      top = autoPad.equals("SAME_UPPER") ? totalH / 2 : totalH - totalH / 2;
      left = autoPad.equals("SAME_UPPER") ? totalW / 2 : totalW - totalW / 2;
    } else if (autoPad.equals("VALID")) {
      top = 0;
      left = 0;
    }
    return new Geometry(inH, inW, kernel[0], kernel[1], sh, sw, dh, dw, top, left, outH, outW);
  }

  /** A 1x1 kernel that reads every input position once, in order: im2col would copy the input. */
  boolean isPointwise() {
    return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && outH == inH && outW == inW;
  }
}
