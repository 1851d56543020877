// ReduceMean and ReduceSum over per-image axes, in the interpreter's double arithmetic.
package org.qcc.backends.llvm;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Tensor;

/**
 * Each output sums its inputs in double in increasing index order (the interpreter's order: for a
 * fixed output, the reduced coordinates in lexicographic order), then ReduceMean divides by their
 * number and the result rounds to float once.
 */
final class ReduceLayer {
  private ReduceLayer() {}

  /** Kept and reduced dims of one image, with their input strides. */
  private record Plan(int[] kept, long[] keptStrides, int[] reduced, long[] reducedStrides, long inPer, boolean mean) {}

  /** The layer over the tile, or (with {@code thread}) one output element. */
  static void emit(LayerContext c, boolean thread) {
    Plan p = plan(c);
    c.eachOutput(p.kept(), p.keptStrides(), 0, p.inPer(), thread, (base, out) -> reduce(c, p, base, out));
  }

  private static void reduce(LayerContext c, Plan p, String base, String out) {
    IrFunction f = c.f();
    String acc = f.alloca("double");
    f.emit("store double 0.0, ptr " + acc);
    String[] r = f.forLoops(p.reduced());
    String x = f.let("fpext float " + f.let("load float, ptr " + f.floatAt(c.in(0), f.offset(base, r, p.reducedStrides())) + ", align 4") + " to double");
    f.emit("store double " + f.let("fadd double " + f.let("load double, ptr " + acc) + ", " + x) + ", ptr " + acc);
    f.endLoops(r.length);
    String sum = f.let("load double, ptr " + acc);
    String y = p.mean() ? f.let("fdiv double " + sum + ", " + Ir.f64(LayerContext.elements(p.reduced()))) : sum;
    f.emit("store float " + f.let("fptrunc double " + y + " to float") + ", ptr " + f.floatAt(c.out(0), out) + ", align 4");
  }

  private static Plan plan(LayerContext c) {
    int[] x = c.inShape(0);
    long[] axes = c.ints("axes");
    if (axes == null && c.has(1)) {
      Tensor t = c.constant(1).orElseThrow(() -> c.fail("the axes must be a constant for the LLVM backend"));
      axes = new long[t.size()];
      for (int i = 0; i < axes.length; i++) {
        axes[i] = t.getLong(i);
      }
    }
    if (axes == null || axes.length == 0) {
      throw c.fail("reducing over every axis, the batch included, is not supported");
    }
    boolean[] reduced = new boolean[x.length];
    for (long a : axes) {
      int d = (int) (a < 0 ? a + x.length + 1 : a) - 1;
      if (d < 0 || d >= x.length) {
        throw c.fail("reducing over axis " + a + " (the batch, or out of range) is not supported");
      }
      reduced[d] = true;
    }
    long[] strides = IrFunction.strides(x);
    List<Integer> kept = new ArrayList<>();
    List<Integer> red = new ArrayList<>();
    for (int d = 0; d < x.length; d++) {
      (reduced[d] ? red : kept).add(d);
    }
    return new Plan(
        kept.stream().mapToInt(d -> x[d]).toArray(),
        kept.stream().mapToLong(d -> strides[d]).toArray(),
        red.stream().mapToInt(d -> x[d]).toArray(),
        red.stream().mapToLong(d -> strides[d]).toArray(),
        LayerContext.elements(x),
        c.node().qualifiedOp().equals("ReduceMean"));
  }
}
