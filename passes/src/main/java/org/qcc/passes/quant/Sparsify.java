// sparsify: magnitude-based N:M structured sparsity of weights, stored compressed.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.fp32Constant;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.LongTensor;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.AxisView;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;

/**
 * Keeps the n largest-magnitude weights of every m consecutive weights along the reduction axis
 * (input channels for Conv, K for Gemm and MatMul) and stores the layer's weight as {@code
 * qcc.Densify(values, indices)}: the kept values and their positions in the group. Ties keep the
 * lower position. Run it before quantize, which then quantizes the kept values.
 */
public final class Sparsify {
  public static final PassOption.Int N = new PassOption.Int("n", 2, 1, 63, "Weights kept per group");
  public static final PassOption.Int M = new PassOption.Int("m", 4, 2, 64, "Group length along the reduction axis");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Names of layers to keep dense");

  public static final PassInfo INFO =
      new PassInfo(
          "sparsify",
          "N:M structured sparsity of Conv/Gemm/MatMul weights, stored compressed",
          "Magnitude pruning to n of every m weights along the reduction axis (1:4, 2:4, 2:8, 4:8, any n<m). The weight becomes"
              + " qcc.Densify(values, indices) over the kept values and their uint8 positions, which the interpreter expands"
              + " and backends read directly. A layer whose reduction length is not a multiple of m stays dense with a"
              + " warning. Run before quantize.",
          List.of(N, M, EXCLUDE),
          List.of("layers-sparsified", "weights-pruned", "layers-skipped"),
          o -> {
            if (o.get(N) >= o.get(M)) {
              throw new IllegalArgumentException("option 'n' must be less than m, got " + o.get(N) + ":" + o.get(M));
            }
            return (g, ctx) -> new Sparsify(g, o).run(ctx);
          });

  private final Graph g;
  private final int n;
  private final int m;
  private final List<String> exclude;

  private Sparsify(Graph g, PassOptions o) {
    this.g = g;
    this.n = o.get(N);
    this.m = o.get(M);
    this.exclude = o.get(EXCLUDE);
  }

  private PassResult run(PassContext ctx) {
    int done = 0;
    for (Node layer : List.copyOf(g.nodes())) {
      Optional<Tensor> w = fp32Constant(g, layer, 1);
      Optional<LayerAxes> ax = LayerAxes.of(layer);
      if (w.isEmpty() || ax.isEmpty() || exclude.contains(layer.name())) {
        continue;
      }
      int axis = ax.get().weightReduction();
      int length = w.get().dim(axis);
      if (length % m != 0) {
        ctx.warn("layer '" + layer.name() + "' stays dense: its reduction length " + length + " is not a multiple of m=" + m);
        ctx.stat("layers-skipped", 1);
        continue;
      }
      sparsify(layer, (FloatTensor) w.get(), axis);
      ctx.stat("weights-pruned", (long) w.get().size() / m * (m - n));
      done++;
    }
    ctx.stat("layers-sparsified", done);
    return PassResult.of(done > 0);
  }

  private void sparsify(Node layer, FloatTensor w, int axis) {
    AxisView v = AxisView.of(w.shape(), axis, "reduction axis");
    int groups = v.length() / m;
    int[] shape = w.shape().clone();
    shape[axis] = groups * n;
    float[] dense = w.data();
    float[] values = new float[dense.length / m * n];
    long[] indices = new long[values.length];
    int[] keep = new int[n];
    for (int o = 0; o < v.outer(); o++) {
      for (int gr = 0; gr < groups; gr++) {
        for (int i = 0; i < v.inner(); i++) {
          int base = (o * v.length() + gr * m) * v.inner() + i;
          largest(dense, base, v.inner(), keep);
          for (int j = 0; j < n; j++) {
            int dst = (o * groups * n + gr * n + j) * v.inner() + i;
            values[dst] = dense[base + keep[j] * v.inner()];
            indices[dst] = keep[j];
          }
        }
      }
    }
    Value old = layer.inputs().get(1);
    Value vals = ConstantFacts.addConstant(g, old.name() + "_values", new FloatTensor(FloatFormat.FP32, shape, values));
    Value idx = ConstantFacts.addConstant(g, old.name() + "_indices", new LongTensor(IntFormat.UINT8, shape, indices));
    Value out = new Value(GraphEdits.freshName(g, old.name() + "_sparse"), old.type());
    Map<String, Attribute> attrs = Map.of("n", new Attribute.Int(n), "m", new Attribute.Int(m), "axis", new Attribute.Int(axis));
    g.insertNode(g.indexOf(layer), new Node("qcc", "Densify", layer.name() + ".sparse", List.of(vals, idx), List.of(out), attrs));
    layer.setInput(1, out);
    GraphEdits.removeIfUnused(g, old);
  }

  /** The positions of the n largest magnitudes among m strided elements, in increasing order. */
  private void largest(float[] x, int base, int stride, int[] keep) {
    List<Integer> order = new ArrayList<>();
    for (int p = 0; p < m; p++) {
      order.add(p);
    }
    order.sort((a, b) -> {
      int c = Float.compare(Math.abs(x[base + b * stride]), Math.abs(x[base + a * stride]));
      return c != 0 ? c : Integer.compare(a, b);
    });
    List<Integer> kept = new ArrayList<>(order.subList(0, n));
    kept.sort(null);
    for (int j = 0; j < n; j++) {
      keep[j] = kept.get(j);
    }
  }
}
