// N:4 sparse constant weights times run-time rows, vectors across outputs: each lane picks its activation by an in-register permute.
package org.qcc.backends.llvm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code C[i][j] = epilogue(sum over the kept k of A[i][k] * W[k][j])} for fp32 weights in which
 * every output keeps the same number of terms in each group of four consecutive k (2:4, 1:4, and
 * a tail group of its own count when k is not a multiple of four).
 *
 * <p>Why this shape: with vectors across images ({@link GemmEmitter.Left.Sparse}) every kept term
 * needs its own load of a panel row, so the loads, not the multiplies, bound the kernel and it ran
 * slower than the dense one. Here vectors run across outputs: a group's four activations of a row
 * are broadcast to every 128-bit lane once, and each lane selects its term's activation with a
 * variable in-lane permute ({@code vpermilps}), whose index vector comes from the compressed weight
 * like its value vector. One load of values and one of indices then serve every row of the tile.
 *
 * <p>Each lane sums its output's kept terms from +0.0 with fused multiply-adds in increasing k
 * (groups in order, slots in a group by increasing k): the golden interpreter's order, so results
 * are bit-identical. Needs x86 AVX (a 128-bit lane of four floats inside 8- or 16-lane vectors).
 */
final class GroupPermuteGemm {
  /** Consecutive k one permute selects among: the floats of a 128-bit lane. */
  static final int GROUP = 4;

  /**
   * Where the kernel finds each weight: the column blocks of {@link #columns()}; per block, slot
   * row after slot row (a full group's {@code perGroup} slots, group by group, then the tail
   * group's {@code tailSlots}), each holding every column of the block.
   */
  record Layout(long k, long n, int lanes, int perGroup, int tailSlots) {
    long groups() {
      return k / GROUP;
    }

    /**
     * The column blocks, of 2 vectors each: 8 rows by 2 measured fastest with AVX-512 on znver5
     * (4 x 3 was 20% slower); 4 x 2 fits AVX's 16 registers.
     */
    GemmEmitter.Shape columns() {
      return new GemmEmitter.Shape(k, n, lanes, ElemType.FLOAT, 2);
    }

    /** Rows of A per register tile; leftover rows go in tiles of 4, then 1. */
    int rows() {
      return lanes == 16 ? 8 : 4;
    }

    long slotRows() {
      return groups() * perGroup + tailSlots;
    }

    /** Elements of the whole layout, columns padded to the last block's vectors. */
    long size() {
      GemmEmitter.Shape c = columns();
      return (c.fullBlocks() * c.width() + (long) c.tailVectors() * lanes) * slotRows();
    }

    /** The element holding slot row {@code slot} of column {@code j}. */
    long at(long slot, long j) {
      GemmEmitter.Shape c = columns();
      long block = j / c.width();
      int blockWidth = block < c.fullBlocks() ? c.width() : c.tailVectors() * lanes;
      return block * slotRows() * c.width() + slot * blockWidth + j % c.width();
    }
  }

  /** The weights in their {@link Layout}: values, and positions in their group. Columns past n hold value 0 at position 0; only masked stores read them. */
  record Weights(Layout layout, float[] values, byte[] positions) {
    /**
     * {@code rows}' kept terms laid out for the kernel, or empty when some output keeps a different
     * number of terms than another in the same group, or vectors are not 8 or 16 floats.
     */
    static Optional<Weights> of(SparseRows rows, int lanes) {
      if (lanes != 8 && lanes != 16) {
        return Optional.empty();
      }
      int groups = (int) (rows.k() / GROUP);
      int[] counts = groupCounts(rows, 0, groups);
      for (int g = 1; g < groups; g++) {
        if (counts[g] != counts[0]) {
          return Optional.empty();
        }
      }
      for (int r = 1; r < rows.rows(); r++) {
        if (!Arrays.equals(groupCounts(rows, r, groups), counts)) {
          return Optional.empty();
        }
      }
      Layout layout = new Layout(rows.k(), rows.rows(), lanes, groups == 0 ? 0 : counts[0], counts[groups]);
      float[] values = new float[(int) layout.size()];
      byte[] positions = new byte[values.length];
      // Every output's terms are in increasing k, so its slot s is its s-th term.
      for (int j = 0; j < rows.rows(); j++) {
        for (int slot = 0; slot < rows.perRow(); slot++) {
          int term = j * rows.perRow() + slot;
          int at = (int) layout.at(slot, j);
          values[at] = rows.values()[term];
          positions[at] = (byte) (rows.taps()[term] % GROUP);
        }
      }
      return Optional.of(new Weights(layout, values, positions));
    }

    /** How many terms row {@code r} keeps in each group, the tail group last. */
    private static int[] groupCounts(SparseRows rows, int r, int groups) {
      int[] counts = new int[groups + 1];
      for (int t = 0; t < rows.perRow(); t++) {
        counts[rows.taps()[r * rows.perRow() + t] / GROUP]++;
      }
      return counts;
    }
  }

  /** The weights' globals in a module. */
  private record Globals(String values, String positions, String permute) {}

  private GroupPermuteGemm() {}

  /** Rows [0, m) of C; {@code m} is an IR i64 operand. */
  static void emit(LayerContext c, String a, Weights weights, String out, String m, GemmEmitter.Epilogue e) {
    IrFunction f = c.f();
    Layout w = weights.layout();
    String vt = Ir.vec(w.lanes());
    String it = Ir.vec(w.lanes(), "i32");
    String name = "llvm.x86." + (w.lanes() == 16 ? "avx512.vpermilvar.ps.512" : "avx.vpermilvar.ps.256");
    String permute = c.globals().helper(name, g -> "declare " + vt + " @" + name + "(" + vt + ", " + it + ")\n");
    Globals g = new Globals(c.global(weights.values()), c.globals().bytes(weights.positions()), permute);
    List<String> ends = new ArrayList<>();
    for (int rows : tileRows(w)) {
      ends.add(rows == 1 ? m : f.let("sub nsw i64 " + m + ", " + f.let("srem i64 " + m + ", " + rows)));
    }
    GemmEmitter.Shape shape = w.columns();
    long blockElements = w.slotRows() * shape.width();
    if (shape.fullBlocks() > 0) {
      String blk = f.forLoop("0", String.valueOf(shape.fullBlocks()), 1);
      String base = f.let("mul nsw i64 " + blk + ", " + blockElements);
      String j0 = f.let("mul nsw i64 " + blk + ", " + shape.width());
      tiles(f, a, w, g, out, ends, base, j0, shape.vectors(), shape.width(), shape, e);
      f.endLoop();
    }
    if (shape.tailVectors() > 0) {
      String base = String.valueOf(shape.fullBlocks() * blockElements);
      String j0 = String.valueOf(shape.fullBlocks() * shape.width());
      tiles(f, a, w, g, out, ends, base, j0, shape.tailVectors(), (int) (w.n() % shape.width()), shape, e);
    }
  }

  /** The register tiles' row counts, largest first: each takes the rows the larger ones leave, down to single rows. */
  private static List<Integer> tileRows(Layout w) {
    return w.rows() == 4 ? List.of(4, 1) : List.of(w.rows(), 4, 1);
  }

  /** Every row of A, over one column block: tiles of each size in turn, from where the larger ones stopped ({@code ends}). */
  private static void tiles(IrFunction f, String a, Layout w, Globals g, String out, List<String> ends, String base, String j0, int vectors, int valid, GemmEmitter.Shape shape, GemmEmitter.Epilogue e) {
    List<Integer> rows = tileRows(w);
    for (int i = 0; i < rows.size(); i++) {
      tile(f, a, w, g, out, i == 0 ? "0" : ends.get(i - 1), ends.get(i), rows.get(i), base, j0, vectors, valid, shape, e);
    }
  }

  /** Rows [from, to) in tiles of {@code rows}, by the block's vectors of columns from j0; the block's weights start at element {@code base}. */
  private static void tile(IrFunction f, String a, Layout w, Globals g, String out, String from, String to, int rows, String base, String j0, int vectors, int valid, GemmEmitter.Shape shape, GemmEmitter.Epilogue e) {
    int lanes = w.lanes();
    String vt = Ir.vec(lanes);
    String i0 = f.forLoop(from, to, rows);
    String[][] sums = new String[rows][vectors];
    String[] aRow = new String[rows];
    for (int r = 0; r < rows; r++) {
      aRow[r] = f.let("mul nsw i64 " + f.add(i0, String.valueOf(r)) + ", " + w.k());
      for (int v = 0; v < vectors; v++) {
        sums[r][v] = f.alloca(vt);
        f.emit("store " + vt + " zeroinitializer, ptr " + sums[r][v]);
      }
    }
    long lineElements = (long) vectors * lanes;
    if (w.groups() > 0 && w.perGroup() > 0) {
      String grp = f.forLoop("0", String.valueOf(w.groups()), 1);
      String kk = f.let("shl nsw i64 " + grp + ", 2");
      String[] tables = new String[rows];
      for (int r = 0; r < rows; r++) {
        String four = f.let("load <4 x float>, ptr " + f.floatAt(a, f.add(aRow[r], kk)) + ", align 4");
        tables[r] = broadcast(f, four, lanes);
      }
      String slot0 = f.let("mul nsw i64 " + grp + ", " + w.perGroup());
      slots(f, w, g, sums, tables, f.add(base, f.let("mul nsw i64 " + slot0 + ", " + lineElements)), w.perGroup(), lineElements);
      f.endLoop();
    }
    if (w.tailSlots() > 0) {
      long kk = w.groups() * GROUP;
      String[] tables = new String[rows];
      for (int r = 0; r < rows; r++) {
        String four = "zeroinitializer";
        for (long t = kk; t < w.k(); t++) {
          String x = f.let("load float, ptr " + f.floatAt(a, f.add(aRow[r], String.valueOf(t))) + ", align 4");
          four = f.let("insertelement <4 x float> " + four + ", float " + x + ", i64 " + (t - kk));
        }
        tables[r] = broadcast(f, four, lanes);
      }
      slots(f, w, g, sums, tables, f.add(base, String.valueOf(w.groups() * w.perGroup() * lineElements)), w.tailSlots(), lineElements);
    }
    GemmEmitter.store(f, out, sums, i0, j0, vectors, valid, shape, e);
    f.endLoop();
  }

  /** {@code count} slots of one group, from weight element {@code at}: each vector's values and positions shared by every row of the tile. */
  private static void slots(IrFunction f, Layout w, Globals g, String[][] sums, String[] tables, String at, int count, long lineElements) {
    int lanes = w.lanes();
    String vt = Ir.vec(lanes);
    String it = Ir.vec(lanes, "i32");
    String bt = Ir.vec(lanes, "i8");
    for (int s = 0; s < count; s++) {
      for (int v = 0; v < sums[0].length; v++) {
        String i = f.add(at, String.valueOf(s * lineElements + (long) v * lanes));
        String value = f.let("load " + vt + ", ptr " + f.floatAt(g.values(), i) + ", align 4");
        String pos = f.let("zext " + bt + " " + f.let("load " + bt + ", ptr " + f.at("i8", g.positions(), i) + ", align 1") + " to " + it);
        for (int r = 0; r < sums.length; r++) {
          String x = f.let("call " + vt + " " + g.permute() + "(" + vt + " " + tables[r] + ", " + it + " " + pos + ")");
          String sum = f.let("load " + vt + ", ptr " + sums[r][v]);
          f.emit("store " + vt + " " + GemmEmitter.fma(f, vt, value, x, sum) + ", ptr " + sums[r][v]);
        }
      }
    }
  }

  /** Four floats repeated in every 128-bit lane. */
  private static String broadcast(IrFunction f, String four, int lanes) {
    StringBuilder mask = new StringBuilder("<" + lanes + " x i32> <");
    for (int i = 0; i < lanes; i++) {
      mask.append(i == 0 ? "" : ", ").append("i32 ").append(i % GROUP);
    }
    return f.let("shufflevector <4 x float> " + four + ", <4 x float> poison, " + mask.append('>'));
  }
}
