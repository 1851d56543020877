// Register-tiled single-precision matrix product, exact to the interpreter's summation order.
package org.qcc.backends.llvm;

/**
 * Emits {@code C[i][j] = epilogue(sum_k A[i][k] * B[k][j])} for row-major A (m x k), B (k x n)
 * and C (m x n). Each output accumulates its products from +0.0 in increasing k with fused
 * multiply-adds (no reassociation), exactly as the golden interpreter does; vectors run across j,
 * so every lane keeps that order and results are bit-identical. Tiles of {@code rows} rows by
 * {@code vectors} SIMD vectors keep their accumulators in registers; the row remainder runs one
 * row at a time and the last partial vector of columns through masked loads and stores.
 */
final class GemmEmitter {
  private static final int ROWS = 4;
  private static final int VECTORS = 3;

  /**
   * What happens to a finished sum, in the interpreter's order: times {@code alpha} (when not 1),
   * plus a per-row bias (Conv), plus a per-column bias (Gemm's beta * C). With a per-row or
   * per-column multiplier (an exact integer sum, {@link ExactPlan}) it is instead {@code fma(sum,
   * multiplier, bias)}, or {@code sum * multiplier} without a bias. Biases and multipliers are
   * global names or null.
   */
  record Epilogue(float alpha, String rowBias, String colBias, String rowScale, String colScale) {
    static final Epilogue NONE = new Epilogue(1f, null, null, null, null);

    static Epilogue of(float alpha, String rowBias, String colBias) {
      return new Epilogue(alpha, rowBias, colBias, null, null);
    }
  }

  private GemmEmitter() {}

  /**
   * {@code m} is an IR i64 operand (the batch tile's row count is only known at run time); n and k
   * are compile-time sizes. {@code lanes} is the SIMD width in floats. Leftover rows go one at a time.
   */
  static void emit(IrFunction f, String a, String b, String c, String m, long n, long k, Epilogue e, int lanes) {
    emit(f, a, b, c, m, n, k, e, lanes, "float");
  }

  /** As above with A and B of element type {@code elem}, {@code float} or {@code double} (exact integer sums); C is float. */
  static void emit(IrFunction f, String a, String b, String c, String m, long n, long k, Epilogue e, int lanes, String elem) {
    String rem = f.let("srem i64 " + m + ", " + ROWS);
    String mainRows = f.let("sub nsw i64 " + m + ", " + rem);
    columns(f, a, b, c, "0", mainRows, ROWS, n, k, e, lanes(lanes, elem), elem);
    columns(f, a, b, c, mainRows, m, 1, n, k, e, lanes(lanes, elem), elem);
  }

  /** As {@link #emit(IrFunction, String, String, String, String, long, long, Epilogue, int)} with {@code m} rows known at compile time: the leftover rows form one smaller register tile. */
  static void emit(IrFunction f, String a, String b, String c, long m, long n, long k, Epilogue e, int lanes, String elem) {
    long main = m - m % ROWS;
    if (main > 0) {
      columns(f, a, b, c, "0", String.valueOf(main), ROWS, n, k, e, lanes(lanes, elem), elem);
    }
    if (m > main) {
      columns(f, a, b, c, String.valueOf(main), String.valueOf(m), (int) (m - main), n, k, e, lanes(lanes, elem), elem);
    }
  }

  /** Elements of {@code elem} per SIMD vector of {@code floatLanes} floats. */
  static int lanes(int floatLanes, String elem) {
    return elem.equals("double") ? Math.max(1, floatLanes / 2) : floatLanes;
  }

  /** Rows [rowFrom, rowTo) in blocks of {@code mr}: wide tiles, then single vectors, then the masked tail. */
  private static void columns(IrFunction f, String a, String b, String c, String rowFrom, String rowTo, int mr, long n, long k, Epilogue e, int lanes, String elem) {
    long wide = n - n % ((long) VECTORS * lanes);
    long narrow = n - n % lanes;
    if (wide > 0) {
      tile(f, a, b, c, rowFrom, rowTo, mr, 0, wide, VECTORS, lanes, n, k, e, elem);
    }
    if (narrow > wide) {
      tile(f, a, b, c, rowFrom, rowTo, mr, wide, narrow, 1, lanes, n, k, e, elem);
    }
    if (n > narrow) {
      tile(f, a, b, c, rowFrom, rowTo, mr, narrow, n, 1, lanes, n, k, e, elem);
    }
  }

  private static void tile(
      IrFunction f, String a, String b, String c, String rowFrom, String rowTo, int mr, long colFrom, long colTo, int nv, int lanes, long n,
      long k, Epilogue e, String elem) {
    String vt = Ir.vec(lanes, elem);
    String ft = Ir.vec(lanes);
    int valid = (int) Math.min(lanes, colTo - colFrom);
    String mask = valid < lanes ? Ir.mask(lanes, valid) : null;
    // Columns outside, rows inside: a k-by-tile panel of B stays in cache while every row block uses it.
    String j0 = f.forLoop(String.valueOf(colFrom), String.valueOf(colTo), (long) nv * lanes);
    String i0 = f.forLoop(rowFrom, rowTo, mr);
    String[][] acc = new String[mr][nv];
    for (int r = 0; r < mr; r++) {
      for (int v = 0; v < nv; v++) {
        acc[r][v] = f.alloca(vt);
        f.emit("store " + vt + " zeroinitializer, ptr " + acc[r][v]);
      }
    }
    String[] aRow = new String[mr];
    for (int r = 0; r < mr; r++) {
      aRow[r] = f.let("mul nsw i64 " + f.add(i0, String.valueOf(r)) + ", " + k);
    }
    String kk = f.forLoop("0", String.valueOf(k), 1);
    String bRow = f.mulAdd(kk, n, j0);
    String[] bv = new String[nv];
    for (int v = 0; v < nv; v++) {
      bv[v] = load(f, vt, f.at(elem, b, f.add(bRow, String.valueOf((long) v * lanes))), mask);
    }
    for (int r = 0; r < mr; r++) {
      String av = f.let("load " + elem + ", ptr " + f.at(elem, a, f.add(aRow[r], kk)));
      String as = Ir.splat(f, av, lanes, elem);
      for (int v = 0; v < nv; v++) {
        String sum = f.let("load " + vt + ", ptr " + acc[r][v]);
        String s = f.let("call " + vt + " @llvm.fma." + Ir.vecSuffix(lanes, elem) + "(" + vt + " " + as + ", " + vt + " " + bv[v] + ", " + vt + " " + sum + ")");
        f.emit("store " + vt + " " + s + ", ptr " + acc[r][v]);
      }
    }
    f.endLoop();
    for (int r = 0; r < mr; r++) {
      String row = f.add(i0, String.valueOf(r));
      String rowBias = e.rowBias() == null ? null : Ir.splat(f, f.let("load float, ptr " + f.floatAt(e.rowBias(), row)), lanes);
      String rowScale = e.rowScale() == null ? null : Ir.splat(f, f.let("load float, ptr " + f.floatAt(e.rowScale(), row)), lanes);
      for (int v = 0; v < nv; v++) {
        String col = f.add(j0, String.valueOf((long) v * lanes));
        String alpha = e.alpha() == 1f ? null : Ir.splat(f, Ir.f32(e.alpha()), lanes);
        String colBias = e.colBias() == null ? null : load(f, ft, f.floatAt(e.colBias(), col), mask);
        String scale = e.colScale() == null ? rowScale : load(f, ft, f.floatAt(e.colScale(), col), mask);
        String sum = f.let("load " + vt + ", ptr " + acc[r][v]);
        // A double accumulator holds an exact integer sum: one rounding to float.
        sum = elem.equals("float") ? sum : f.let("fptrunc " + vt + " " + sum + " to " + ft);
        String y = finish(f, ft, sum, alpha, rowBias, colBias, scale);
        String dst = f.floatAt(c, f.mulAdd(row, n, col));
        if (mask == null) {
          f.emit("store " + ft + " " + y + ", ptr " + dst + ", align 4");
        } else {
          f.emit("call void @llvm.masked.store." + Ir.vecSuffix(lanes) + ".p0(" + ft + " " + y + ", ptr " + dst + ", i32 4, " + mask + ")");
        }
      }
    }
    f.endLoop();
    f.endLoop();
  }

  /**
   * One output of the product, {@code C[idx / n][idx % n]}, as a single thread computes it: the same
   * fused multiply-adds from +0 in increasing k, then the same epilogue. With {@code exact}, A's
   * values become codes as they are read.
   */
  static void emitAt(IrFunction f, String a, String b, String c, String idx, long n, long k, Epilogue e, ExactPlan exact) {
    String row = f.let("udiv i64 " + idx + ", " + n);
    String col = f.let("urem i64 " + idx + ", " + n);
    String aRow = f.let("mul nsw i64 " + row + ", " + k);
    String elem = exact == null ? "float" : exact.elem();
    String acc = f.alloca(elem);
    f.emit("store " + elem + " 0.0, ptr " + acc);
    String kk = f.forLoop("0", String.valueOf(k), 1);
    String av = f.let("load float, ptr " + f.floatAt(a, f.add(aRow, kk)) + ", align 4");
    av = exact == null ? av : exact.code(f, av);
    String bv = f.let("load " + elem + ", ptr " + f.at(elem, b, f.mulAdd(kk, n, col)));
    f.emit("store " + elem + " " + fma(f, elem, av, bv, f.let("load " + elem + ", ptr " + acc)) + ", ptr " + acc);
    f.endLoop();
    String rowBias = e.rowBias() == null ? null : f.let("load float, ptr " + f.floatAt(e.rowBias(), row));
    String colBias = e.colBias() == null ? null : f.let("load float, ptr " + f.floatAt(e.colBias(), col));
    String alpha = e.alpha() == 1f ? null : Ir.f32(e.alpha());
    String scale = e.rowScale() != null ? f.let("load float, ptr " + f.floatAt(e.rowScale(), row)) : e.colScale() != null ? f.let("load float, ptr " + f.floatAt(e.colScale(), col)) : null;
    f.emit("store float " + finish(f, "float", ExactPlan.toFloat(f, elem, f.let("load " + elem + ", ptr " + acc)), alpha, rowBias, colBias, scale) + ", ptr " + f.floatAt(c, idx) + ", align 4");
  }

  /** {@code a * b + sum} with one rounding, in scalar float. */
  static String fma(IrFunction f, String a, String b, String sum) {
    return fma(f, "float", a, b, sum);
  }

  /** {@code a * b + sum} with one rounding, in scalar {@code type} (float or double). */
  static String fma(IrFunction f, String type, String a, String b, String sum) {
    return f.let("call " + type + " @llvm.fma." + Ir.suffix(type) + "(" + type + " " + a + ", " + type + " " + b + ", " + type + " " + sum + ")");
  }

  /** The epilogue on a finished sum of {@code type} (scalar or vector); null operands are skipped. */
  private static String finish(IrFunction f, String type, String sum, String alpha, String rowBias, String colBias, String scale) {
    if (scale != null) {
      return requantize(f, type, sum, scale, rowBias != null ? rowBias : colBias);
    }
    String y = sum;
    if (alpha != null) {
      y = f.let("fmul " + type + " " + y + ", " + alpha);
    }
    if (rowBias != null) {
      y = f.let("fadd " + type + " " + y + ", " + rowBias);
    }
    if (colBias != null) {
      y = f.let("fadd " + type + " " + y + ", " + colBias);
    }
    return y;
  }

  /** An exact sum to the layer's output: {@code fma(sum, scale, bias)}, or {@code sum * scale} when {@code bias} is null. */
  static String requantize(IrFunction f, String type, String sum, String scale, String bias) {
    if (bias == null) {
      return f.let("fmul " + type + " " + sum + ", " + scale);
    }
    return f.let("call " + type + " @llvm.fma." + Ir.suffix(type) + "(" + type + " " + sum + ", " + type + " " + scale + ", " + type + " " + bias + ")");
  }

  /** A vector load; under a mask, lanes past the end read as +0 and touch no memory. */
  private static String load(IrFunction f, String vt, String ptr, String mask) {
    if (mask == null) {
      return f.let("load " + vt + ", ptr " + ptr + ", align 4");
    }
    return f.let("call " + vt + " @llvm.masked.load." + Ir.suffix(vt) + ".p0(ptr " + ptr + ", i32 4, " + mask + ", " + vt + " zeroinitializer)");
  }
}
