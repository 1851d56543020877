// Register-tiled matrix product over packed panels of B, exact to the interpreter's summation order.
package org.qcc.backends.llvm;

import java.util.ArrayList;
import java.util.List;

/**
 * Emits {@code C[i][j] = epilogue(sum_k A[i][k] * B[k][j])} for row-major A (m x k) and C (m x n),
 * with B (k x n) cut into column blocks of a few SIMD vectors, each stored as a
 * contiguous panel: packed at compile time for constant weights, or copied from row-major memory
 * into scratch just before the block is used, so the inner loop streams one cache-resident panel.
 * Tiles of a few rows by a block keep their accumulators in registers; leftover rows form
 * a smaller tile, and the last block's partial vector stores through a mask.
 *
 * <p>fp32 products accumulate from +0.0 in increasing k with fused multiply-adds (no
 * reassociation), exactly as the golden interpreter does; vectors run across j, so every lane keeps
 * that order and results are bit-identical. Exact integer codes ({@link ExactPlan}) sum without
 * rounding in any order: in fp32 or fp64 lanes, or, for 16-bit codes, in 32-bit integers two k at a
 * time (B's panel rows interleave rows 2p and 2p+1; {@code pmaddwd} on x86). An N:M sparse A
 * ({@link Left.Sparse}) multiplies only its kept terms, still in increasing k per output.
 */
final class GemmEmitter {
  /**
   * What happens to a finished sum, in the interpreter's order: times {@code alpha} (when not 1),
   * plus a per-row bias (Conv), plus a per-column bias (Gemm's beta * C). With a per-row or
   * per-column multiplier (an exact integer sum, {@link ExactPlan}) it is instead {@code fma(sum,
   * multiplier, bias)}, or {@code sum * multiplier} without a bias. Biases and multipliers are
   * global names or null. With {@code relu}, a following ReLU is applied before the store.
   */
  record Epilogue(float alpha, String rowBias, String colBias, String rowScale, String colScale, boolean relu) {
    static final Epilogue NONE = new Epilogue(1f, null, null, null, null, false);

    static Epilogue of(float alpha, String rowBias, String colBias) {
      return new Epilogue(alpha, rowBias, colBias, null, null, false);
    }

    static Epilogue scaled(String rowBias, String colBias, String rowScale, String colScale) {
      return new Epilogue(1f, rowBias, colBias, rowScale, colScale, false);
    }

    Epilogue withRelu(boolean relu) {
      return new Epilogue(alpha, rowBias, colBias, rowScale, colScale, relu);
    }

    /** The same epilogue for the transposed product: rows and columns trade biases and scales. */
    Epilogue transposed() {
      return new Epilogue(alpha, colBias, rowBias, colScale, rowScale, relu);
    }
  }

  /** Where the kernel finds A. */
  sealed interface Left {
    /** Row-major m x k in memory: run-time values, or a constant global. */
    record Rows(String a) implements Left {}

    /**
     * A constant N:M sparse A over compressed rows ({@link SparseRows}): {@code perRow} values per
     * row and the k of each, increasing; pruned terms are not computed, as the golden model defines.
     */
    record Sparse(String values, String taps, String tapType, long perRow, ElemType elem) implements Left {
      /** The same operand from row {@code row} on (a group's rows). */
      Sparse fromRow(IrFunction f, long row) {
        String at = String.valueOf(row * perRow);
        return new Sparse(f.at(elem.ir(), values, at), f.at(tapType, taps, at), tapType, perRow, elem);
      }

      /** Term {@code t} of row {@code row}: its k (i64) and its value. */
      String[] term(IrFunction f, String row, String t) {
        String at = f.mulAdd(row, perRow, t);
        String tap = f.let("load " + tapType + ", ptr " + f.at(tapType, taps, at));
        String k = tapType.equals("i64") ? tap : f.let("zext " + tapType + " " + tap + " to i64");
        return new String[] {k, f.let("load " + elem.ir() + ", ptr " + f.at(elem.ir(), values, at))};
      }
    }
  }

  /** Where the kernel finds B. */
  sealed interface Right {
    /** Row-major k x n in memory at run time; each block is packed into {@code panel}, scratch of {@link Shape#panelBytes()}. */
    record RowMajor(String b, String panel) implements Right {}

    /** A global laid out by {@link Shape#panelOrder()} at compile time. */
    record Packed(String global) implements Right {}

    /**
     * The transpose of row-major n x k memory at run time ({@code B[kk][j] = bt[j * k + kk]}), one
     * element a column (no 16-bit pairs); each block is packed into {@code panel} as for {@link
     * RowMajor}, reading B's columns contiguously. Lanes past n are left as they were: only
     * masked stores read them.
     */
    record Transposed(String bt, String panel) implements Right {}
  }

  /**
   * A product's sizes and element type, and the panel layout that follows from them: full blocks of
   * {@code vectors} vectors ({@link #width()} columns), then one block of the remaining columns rounded up to whole vectors.
   * A panel's row r holds, for each of its columns, B[r * pack + t][j] for t in [0, pack), zero
   * past k and past n.
   */
  record Shape(long k, long n, int lanes, ElemType elem, int vectors) {
    /**
     * {@code floatLanes} is the SIMD width in floats. Blocks are 3 vectors of columns; 16-bit
     * products need a scratch register each (x86's {@code pmaddwd} does not accumulate), so their
     * tile is narrower: 4 x 2 measured fastest on znver3, where 4 x 3 spills.
     */
    static Shape of(long k, long n, int floatLanes, ElemType elem) {
      return new Shape(k, n, elem.lanes(floatLanes), elem, elem == ElemType.I16 ? 2 : 3);
    }

    /** Rows per register tile. */
    int rows() {
      return 4;
    }

    int width() {
      return vectors() * lanes;
    }

    long fullBlocks() {
      return n / width();
    }

    int tailVectors() {
      return (int) ((n % width() + lanes - 1) / lanes);
    }

    long panelRows() {
      return elem.padded(k) / elem.pack();
    }

    /** Elements of a panel row with {@code vectors} vectors of columns. */
    long panelRowElements(int vectors) {
      return (long) vectors * lanes * elem.pack();
    }

    long panelElements(int vectors) {
      return panelRows() * panelRowElements(vectors);
    }

    /** Scratch a run-time packed panel needs. */
    long panelBytes() {
      return panelElements(vectors()) * elem.bytes();
    }

    /** Row length of A in elements: k, padded to whole pairs for 16-bit codes (the pad must hold zeros). */
    long rowLength() {
      return elem.padded(k);
    }

    /** B (row-major k x n) in panel order, for {@link Right.Packed}. */
    float[] packed(float[] b) {
      int[] order = panelOrder();
      float[] p = new float[order.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = order[i] < 0 ? 0f : b[order[i]];
      }
      return p;
    }

    /** For each element of the packed panels, in order, its index in row-major B, or -1 where it is zero. */
    int[] panelOrder() {
      int[] order = new int[(int) (fullBlocks() * panelElements(vectors()) + panelElements(tailVectors()))];
      int at = 0;
      for (long block = 0; block <= fullBlocks(); block++) {
        int columns = (block < fullBlocks() ? vectors() : tailVectors()) * lanes;
        for (long r = 0; r < panelRows(); r++) {
          for (long col = 0; col < columns; col++) {
            for (int t = 0; t < elem.pack(); t++) {
              long kk = r * elem.pack() + t;
              long j = block * width() + col;
              order[at++] = kk < k && j < n ? (int) (kk * n + j) : -1;
            }
          }
        }
      }
      return order;
    }
  }

  /** Rows [from, to) of C in tiles of {@code tile} rows; from and to are IR i64 operands. */
  private record Rows(String from, String to, int tile) {}

  private GemmEmitter() {}

  /** {@code m} is an IR i64 operand (the batch tile's row count is only known at run time); leftover rows go one at a time. */
  static void emit(IrFunction f, String a, Right b, String c, String m, Shape s, Epilogue e) {
    Left left = new Left.Rows(a);
    String rem = f.let("srem i64 " + m + ", " + s.rows());
    String mainRows = f.let("sub nsw i64 " + m + ", " + rem);
    blocks(f, left, b, c, List.of(new Rows("0", mainRows, s.rows()), new Rows(mainRows, m, 1)), s, e);
  }

  /** With {@code m} rows known at compile time: the leftover rows form one smaller register tile. */
  static void emit(IrFunction f, Left a, Right b, String c, long m, Shape s, Epilogue e) {
    if (a instanceof Left.Sparse && s.elem().pack() != 1) {
      throw new IllegalArgumentException("sparse rows multiply one k at a time, not " + s.elem());
    }
    long main = m - m % s.rows();
    List<Rows> rows = new ArrayList<>();
    if (main > 0) {
      rows.add(new Rows("0", String.valueOf(main), s.rows()));
    }
    if (m > main) {
      rows.add(new Rows(String.valueOf(main), String.valueOf(m), (int) (m - main)));
    }
    blocks(f, a, b, c, rows, s, e);
  }

  /** Every column block: its panel, then every row tile over it. */
  private static void blocks(IrFunction f, Left a, Right b, String c, List<Rows> rows, Shape s, Epilogue e) {
    if (s.fullBlocks() > 0) {
      String blk = f.forLoop("0", String.valueOf(s.fullBlocks()), 1);
      block(f, a, b, c, rows, s, e, blk, s.vectors(), s.width());
      f.endLoop();
    }
    if (s.tailVectors() > 0) {
      block(f, a, b, c, rows, s, e, String.valueOf(s.fullBlocks()), s.tailVectors(), (int) (s.n() % s.width()));
    }
  }

  private static void block(IrFunction f, Left a, Right b, String c, List<Rows> rows, Shape s, Epilogue e, String blk, int vectors, int valid) {
    String j0 = f.let("mul nsw i64 " + blk + ", " + s.width());
    String panel;
    if (b instanceof Right.RowMajor r) {
      panel = pack(f, r, j0, vectors, valid, s);
    } else if (b instanceof Right.Transposed t) {
      panel = packTransposed(f, t, j0, vectors, valid, s);
    } else {
      panel = f.at(s.elem().ir(), ((Right.Packed) b).global(), f.let("mul nsw i64 " + blk + ", " + s.panelElements(s.vectors())));
    }
    for (Rows r : rows) {
      tile(f, a, panel, c, r, j0, vectors, valid, s, e);
    }
  }

  /**
   * Copies columns [j0, j0 + valid) of the run-time B into the block's panel, zero beyond; for
   * 16-bit codes rows 2p and 2p+1 interleave, and an odd k's last row pairs with zeros.
   */
  private static String pack(IrFunction f, Right.RowMajor b, String j0, int vectors, int valid, Shape s) {
    ElemType el = s.elem();
    int lanes = s.lanes();
    String vt = Ir.vec(lanes, el.ir());
    long rowElements = s.panelRowElements(vectors);
    if (el.pack() == 1) {
      String kk = f.forLoop("0", String.valueOf(s.k()), 1);
      String src = f.at(el.ir(), b.b(), f.mulAdd(kk, s.n(), j0));
      String dst = f.at(el.ir(), b.panel(), f.let("mul nsw i64 " + kk + ", " + rowElements));
      for (int v = 0; v < vectors; v++) {
        String x = load(f, vt, f.at(el.ir(), src, String.valueOf((long) v * lanes)), mask(lanes, valid - v * lanes), el);
        f.emit("store " + vt + " " + x + ", ptr " + f.at(el.ir(), dst, String.valueOf((long) v * lanes)) + ", align " + el.bytes());
      }
      f.endLoop();
      return b.panel();
    }
    String pair = f.forLoop("0", String.valueOf(s.k() / 2), 1);
    packPair(f, b, f.let("shl nsw i64 " + pair + ", 1"), pair, j0, vectors, valid, s, false);
    f.endLoop();
    if (s.k() % 2 == 1) {
      packPair(f, b, String.valueOf(s.k() - 1), String.valueOf(s.k() / 2), j0, vectors, valid, s, true);
    }
    return b.panel();
  }

  /** Columns [j0, j0 + valid) of B from the rows of its transpose: contiguous loads, stores at the panel's row stride. */
  private static String packTransposed(IrFunction f, Right.Transposed b, String j0, int vectors, int valid, Shape s) {
    if (s.elem().pack() != 1) {
      throw new IllegalArgumentException("a transposed B is packed one k at a time, not " + s.elem());
    }
    String el = s.elem().ir();
    String src = f.at(el, b.bt(), f.let("mul nsw i64 " + j0 + ", " + s.k()));
    String kk = f.forLoop("0", String.valueOf(s.k()), 1);
    String col = f.forLoop("0", String.valueOf(valid), 1);
    String v = f.let("load " + el + ", ptr " + f.at(el, src, f.mulAdd(col, s.k(), kk)));
    f.emit("store " + el + " " + v + ", ptr " + f.at(el, b.panel(), f.mulAdd(kk, s.panelRowElements(vectors), col)));
    f.endLoops(2);
    return b.panel();
  }

  /** Panel row {@code pair} from B's rows {@code row} and {@code row + 1} (zeros when {@code last}), interleaved. */
  private static void packPair(IrFunction f, Right.RowMajor b, String row, String pair, String j0, int vectors, int valid, Shape s, boolean last) {
    int lanes = s.lanes();
    String vt = Ir.vec(lanes, "i16");
    String wide = Ir.vec(2 * lanes, "i16");
    String lo = f.at("i16", b.b(), f.mulAdd(row, s.n(), j0));
    String hi = f.at("i16", lo, String.valueOf(s.n()));
    String dst = f.at("i16", b.panel(), f.let("mul nsw i64 " + pair + ", " + s.panelRowElements(vectors)));
    StringBuilder zip = new StringBuilder("<" + 2 * lanes + " x i32> <");
    for (int i = 0; i < lanes; i++) {
      zip.append(i == 0 ? "" : ", ").append("i32 ").append(i).append(", i32 ").append(lanes + i);
    }
    zip.append('>');
    for (int v = 0; v < vectors; v++) {
      String m = mask(lanes, valid - v * lanes);
      String x = load(f, vt, f.at("i16", lo, String.valueOf((long) v * lanes)), m, ElemType.I16);
      String y = last ? "zeroinitializer" : load(f, vt, f.at("i16", hi, String.valueOf((long) v * lanes)), m, ElemType.I16);
      String z = f.let("shufflevector " + vt + " " + x + ", " + vt + " " + y + ", " + zip);
      f.emit("store " + wide + " " + z + ", ptr " + f.at("i16", dst, String.valueOf(2L * v * lanes)) + ", align 2");
    }
  }

  /** A register tile: rows r.from() to r.to() by the block's vectors of columns, over its panel. */
  private static void tile(IrFunction f, Left a, String panel, String c, Rows rows, String j0, int vectors, int valid, Shape s, Epilogue e) {
    ElemType el = s.elem();
    int lanes = s.lanes();
    int mr = rows.tile();
    String acc = Ir.vec(lanes, el.acc());
    String i0 = f.forLoop(rows.from(), rows.to(), mr);
    String[][] sums = new String[mr][vectors];
    for (int r = 0; r < mr; r++) {
      for (int v = 0; v < vectors; v++) {
        sums[r][v] = f.alloca(acc);
        f.emit("store " + acc + " zeroinitializer, ptr " + sums[r][v]);
      }
    }
    if (a instanceof Left.Sparse sparse) {
      sparseSums(f, sparse, panel, sums, i0, vectors, s);
    } else {
      denseSums(f, ((Left.Rows) a).a(), panel, sums, i0, vectors, s);
    }
    store(f, c, sums, i0, j0, vectors, valid, s, e);
    f.endLoop();
  }

  /**
   * Each kept term of each of the tile's rows: its k selects the panel row that multiplies the
   * value. Rows keep different k, so each term loads its own panel row; the tile's rows still give
   * the FMA unit independent chains.
   */
  private static void sparseSums(IrFunction f, Left.Sparse a, String panel, String[][] sums, String i0, int vectors, Shape s) {
    ElemType el = s.elem();
    int lanes = s.lanes();
    String acc = Ir.vec(lanes, el.acc());
    String t = f.forLoop("0", String.valueOf(a.perRow()), 1);
    for (int r = 0; r < sums.length; r++) {
      String[] term = a.term(f, f.add(i0, String.valueOf(r)), t);
      String row = f.at(el.ir(), panel, f.let("mul nsw i64 " + term[0] + ", " + s.panelRowElements(vectors)));
      String w = Ir.splat(f, term[1], lanes, el.ir());
      for (int v = 0; v < vectors; v++) {
        String bv = f.let("load " + acc + ", ptr " + f.at(el.ir(), row, String.valueOf((long) v * lanes)) + ", align " + el.bytes());
        String sum = f.let("load " + acc + ", ptr " + sums[r][v]);
        f.emit("store " + acc + " " + f.let("call " + acc + " @llvm.fma." + Ir.suffix(acc) + "(" + acc + " " + w + ", " + acc + " " + bv + ", " + acc + " " + sum + ")") + ", ptr " + sums[r][v]);
      }
    }
    f.endLoop();
  }

  /** Every k: one load of the panel row, shared by the tile's rows of A. */
  private static void denseSums(IrFunction f, String a, String panel, String[][] sums, String i0, int vectors, Shape s) {
    ElemType el = s.elem();
    int lanes = s.lanes();
    int mr = sums.length;
    String acc = Ir.vec(lanes, el.acc());
    String bt = Ir.vec(lanes * el.pack(), el.ir());
    String[] aRow = new String[mr];
    for (int r = 0; r < mr; r++) {
      aRow[r] = f.let("mul nsw i64 " + f.add(i0, String.valueOf(r)) + ", " + s.rowLength());
    }
    String kr = f.forLoop("0", String.valueOf(s.panelRows()), 1);
    String row = f.at(el.ir(), panel, f.let("mul nsw i64 " + kr + ", " + s.panelRowElements(vectors)));
    String[] bv = new String[vectors];
    for (int v = 0; v < vectors; v++) {
      bv[v] = f.let("load " + bt + ", ptr " + f.at(el.ir(), row, String.valueOf(s.panelRowElements(v))) + ", align " + el.bytes());
    }
    String ak = el.pack() == 1 ? kr : f.let("shl nsw i64 " + kr + ", 1");
    for (int r = 0; r < mr; r++) {
      String at = f.at(el.ir(), a, f.add(aRow[r], ak));
      String as = el == ElemType.I16
          ? f.let("bitcast " + Ir.vec(lanes, "i32") + " " + Ir.splat(f, f.let("load i32, ptr " + at + ", align 2"), lanes, "i32") + " to " + bt)
          : Ir.splat(f, f.let("load " + el.ir() + ", ptr " + at), lanes, el.ir());
      for (int v = 0; v < vectors; v++) {
        String sum = f.let("load " + acc + ", ptr " + sums[r][v]);
        String next = el == ElemType.I16 ? pairDot(f, lanes, as, bv[v], sum) : f.let("call " + acc + " @llvm.fma." + Ir.suffix(acc) + "(" + acc + " " + as + ", " + acc + " " + bv[v] + ", " + acc + " " + sum + ")");
        f.emit("store " + acc + " " + next + ", ptr " + sums[r][v]);
      }
    }
    f.endLoop();
  }

  /** The epilogue of finished sums {@code sums[r][v]} (rows i0 + r, vectors of columns from j0) into C. */
  static void store(IrFunction f, String c, String[][] sums, String i0, String j0, int vectors, int valid, Shape s, Epilogue e) {
    ElemType el = s.elem();
    int lanes = s.lanes();
    String acc = Ir.vec(lanes, el.acc());
    String ft = Ir.vec(lanes);
    String alpha = e.alpha() == 1f ? null : Ir.splat(f, Ir.f32(e.alpha()), lanes);
    for (int r = 0; r < sums.length; r++) {
      String i = f.add(i0, String.valueOf(r));
      String rowBias = e.rowBias() == null ? null : Ir.splat(f, f.let("load float, ptr " + f.floatAt(e.rowBias(), i)), lanes);
      String rowScale = e.rowScale() == null ? null : Ir.splat(f, f.let("load float, ptr " + f.floatAt(e.rowScale(), i)), lanes);
      for (int v = 0; v < vectors; v++) {
        String col = f.add(j0, String.valueOf((long) v * lanes));
        String m = mask(lanes, valid - v * lanes);
        String colBias = e.colBias() == null ? null : load(f, ft, f.floatAt(e.colBias(), col), m, ElemType.FLOAT);
        String scale = e.colScale() == null ? rowScale : load(f, ft, f.floatAt(e.colScale(), col), m, ElemType.FLOAT);
        String y = finish(f, ft, toFloat(f, el, acc, f.let("load " + acc + ", ptr " + sums[r][v])), alpha, rowBias, colBias, scale, e.relu());
        String dst = f.floatAt(c, f.mulAdd(i, s.n(), col));
        if (m == null) {
          f.emit("store " + ft + " " + y + ", ptr " + dst + ", align 4");
        } else {
          f.emit("call void @llvm.masked.store." + Ir.suffix(ft) + ".p0(" + ft + " " + y + ", ptr " + dst + ", i32 4, " + m + ")");
        }
      }
    }
  }

  /**
   * {@code sum + (a[2i] * b[2i] + a[2i+1] * b[2i+1])} per 32-bit lane i of 16-bit code pairs:
   * written generically, it is the pattern x86 selects {@code pmaddwd} for. Codes stay within
   * ±32767, so a pair's sum fits in 32 bits, and the accumulator's width bounds the total.
   */
  private static String pairDot(IrFunction f, int lanes, String a, String b, String sum) {
    String half = Ir.vec(2 * lanes, "i16");
    String wide = Ir.vec(2 * lanes, "i32");
    String p = f.let("mul nsw " + wide + " " + f.let("sext " + half + " " + a + " to " + wide) + ", " + f.let("sext " + half + " " + b + " to " + wide));
    StringBuilder even = new StringBuilder("<" + lanes + " x i32> <");
    StringBuilder odd = new StringBuilder("<" + lanes + " x i32> <");
    for (int i = 0; i < lanes; i++) {
      even.append(i == 0 ? "" : ", ").append("i32 ").append(2 * i);
      odd.append(i == 0 ? "" : ", ").append("i32 ").append(2 * i + 1);
    }
    String evens = f.let("shufflevector " + wide + " " + p + ", " + wide + " poison, " + even.append('>'));
    String odds = f.let("shufflevector " + wide + " " + p + ", " + wide + " poison, " + odd.append('>'));
    return f.let("add " + Ir.vec(lanes, "i32") + " " + sum + ", " + f.let("add " + Ir.vec(lanes, "i32") + " " + evens + ", " + odds));
  }

  /** A finished sum in float: a double (an exact integer) rounds once, a 32-bit integer converts with one rounding. */
  static String toFloat(IrFunction f, ElemType el, String type, String sum) {
    String ft = Ir.sameShape(type, "float");
    return switch (el) {
      case FLOAT -> sum;
      case DOUBLE -> f.let("fptrunc " + type + " " + sum + " to " + ft);
      case I16 -> f.let("sitofp " + type + " " + sum + " to " + ft);
    };
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
    ElemType el = exact == null ? ElemType.FLOAT : exact.elem();
    String elem = el.ir();
    String acc = f.alloca(elem);
    f.emit("store " + elem + " 0.0, ptr " + acc);
    String kk = f.forLoop("0", String.valueOf(k), 1);
    String bv = f.let("load " + elem + ", ptr " + f.at(elem, b, f.mulAdd(kk, n, col)));
    accumulate(f, a, aRow, kk, bv, acc, exact, el);
    f.endLoop();
    finishAt(f, c, idx, row, col, el, acc, e);
  }

  /** {@link #emitAt} over an N:M sparse B whose columns are {@code b}'s compressed rows: only the kept terms, in increasing k. */
  static void emitSparseAt(IrFunction f, String a, Left.Sparse b, String c, String idx, long n, long k, Epilogue e, ExactPlan exact) {
    String row = f.let("udiv i64 " + idx + ", " + n);
    String col = f.let("urem i64 " + idx + ", " + n);
    String aRow = f.let("mul nsw i64 " + row + ", " + k);
    ElemType el = b.elem();
    String acc = f.alloca(el.ir());
    f.emit("store " + el.ir() + " 0.0, ptr " + acc);
    String t = f.forLoop("0", String.valueOf(b.perRow()), 1);
    String[] term = b.term(f, col, t);
    accumulate(f, a, aRow, term[0], term[1], acc, exact, el);
    f.endLoop();
    finishAt(f, c, idx, row, col, el, acc, e);
  }

  /** {@code acc = fma(A[aRow + kk], bv, acc)}, A's value as a code with {@code exact}. */
  private static void accumulate(IrFunction f, String a, String aRow, String kk, String bv, String acc, ExactPlan exact, ElemType el) {
    String av = f.let("load float, ptr " + f.floatAt(a, f.add(aRow, kk)) + ", align 4");
    av = exact == null ? av : exact.code(f, av, el);
    f.emit("store " + el.ir() + " " + fma(f, el.ir(), av, bv, f.let("load " + el.ir() + ", ptr " + acc)) + ", ptr " + acc);
  }

  /** The epilogue of one finished sum in {@code acc}, stored to {@code C[idx]}. */
  private static void finishAt(IrFunction f, String c, String idx, String row, String col, ElemType el, String acc, Epilogue e) {
    String elem = el.ir();
    String rowBias = e.rowBias() == null ? null : f.let("load float, ptr " + f.floatAt(e.rowBias(), row));
    String colBias = e.colBias() == null ? null : f.let("load float, ptr " + f.floatAt(e.colBias(), col));
    String alpha = e.alpha() == 1f ? null : Ir.f32(e.alpha());
    String scale = e.rowScale() != null ? f.let("load float, ptr " + f.floatAt(e.rowScale(), row)) : e.colScale() != null ? f.let("load float, ptr " + f.floatAt(e.colScale(), col)) : null;
    String sum = toFloat(f, el, elem, f.let("load " + elem + ", ptr " + acc));
    f.emit("store float " + finish(f, "float", sum, alpha, rowBias, colBias, scale, e.relu()) + ", ptr " + f.floatAt(c, idx) + ", align 4");
  }

  /** {@code a * b + sum} with one rounding, in scalar {@code type} (float or double). */
  static String fma(IrFunction f, String type, String a, String b, String sum) {
    return f.let("call " + type + " @llvm.fma." + Ir.suffix(type) + "(" + type + " " + a + ", " + type + " " + b + ", " + type + " " + sum + ")");
  }

  /** The epilogue on a finished sum of {@code type} (scalar or vector float); null operands are skipped. */
  private static String finish(IrFunction f, String type, String sum, String alpha, String rowBias, String colBias, String scale, boolean relu) {
    String y = sum;
    if (scale != null) {
      y = requantize(f, type, sum, scale, rowBias != null ? rowBias : colBias);
    } else {
      if (alpha != null) {
        y = f.let("fmul " + type + " " + y + ", " + alpha);
      }
      if (rowBias != null) {
        y = f.let("fadd " + type + " " + y + ", " + rowBias);
      }
      if (colBias != null) {
        y = f.let("fadd " + type + " " + y + ", " + colBias);
      }
    }
    return relu ? Ir.relu(f, type, y) : y;
  }

  /** An exact sum to the layer's output: {@code fma(sum, scale, bias)}, or {@code sum * scale} when {@code bias} is null. */
  static String requantize(IrFunction f, String type, String sum, String scale, String bias) {
    if (bias == null) {
      return f.let("fmul " + type + " " + sum + ", " + scale);
    }
    return f.let("call " + type + " @llvm.fma." + Ir.suffix(type) + "(" + type + " " + sum + ", " + type + " " + scale + ", " + type + " " + bias + ")");
  }

  /** The mask of a vector whose first {@code valid} lanes exist, or null when all do. */
  private static String mask(int lanes, int valid) {
    return valid >= lanes ? null : Ir.mask(lanes, valid);
  }

  /** A vector load; under a mask, lanes past the end read as zero and touch no memory. */
  private static String load(IrFunction f, String vt, String ptr, String mask, ElemType el) {
    if (mask == null) {
      return f.let("load " + vt + ", ptr " + ptr + ", align " + el.bytes());
    }
    return f.let("call " + vt + " @llvm.masked.load." + Ir.suffix(vt) + ".p0(ptr " + ptr + ", i32 " + el.bytes() + ", " + mask + ", " + vt + " zeroinitializer)");
  }
}
