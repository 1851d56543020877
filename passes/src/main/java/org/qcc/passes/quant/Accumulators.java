// accumulators: record on every compute layer the accumulator its dot products need.
package org.qcc.passes.quant;

import java.util.List;
import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.BlockWeight;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;

/**
 * Annotates every Conv, Gemm and MatMul with {@code qcc.acc}: {@code intN} when both operands come
 * from scalar-format quantizers whose scales do not vary along the reduction axis (so each output
 * is a scale product times an integer dot product), with {@code qcc.acc_lsb} the exponent of its
 * least significant bit, and the layer then computes as {@link ExactLayer} defines (so its data must
 * be scaled per tensor and its weight per tensor or per output channel, or be a dense constant in a
 * block format whose steps are powers of two, its width then bounded by its actual codes:
 * {@link BlockWeight}); {@code fp32} otherwise. When scales vary along the reduction axis (weight
 * groups, BFP/MX blocks) the products are exact within runs of {@code qcc.acc_block_terms} terms,
 * held in {@code qcc.acc_block} (with its {@code qcc.acc_block_lsb}), and the runs are summed in
 * fp32. An N:M sparse weight (qcc.Densify) multiplies only n of every m terms, and its blocks
 * count kept values. Widths come from {@link Accumulator}, which proves they cannot overflow. quantize runs this
 * on what it quantized; hand-written graphs can run it directly.
 */
public final class Accumulators {
  public static final String ACC = ExactLayer.ACC;
  public static final String ACC_LSB = "qcc.acc_lsb";
  public static final String BLOCK = "qcc.acc_block";
  public static final String BLOCK_LSB = "qcc.acc_block_lsb";
  public static final String BLOCK_TERMS = "qcc.acc_block_terms";

  public static final PassInfo INFO =
      new PassInfo(
          "accumulators",
          "Record each Conv/Gemm/MatMul's accumulator format and width",
          "Sets qcc.acc (intN exact for the whole dot product, or fp32), qcc.acc_lsb, and for scales that vary along the"
              + " reduction axis (groups, BFP/MX blocks) qcc.acc_block, qcc.acc_block_lsb and qcc.acc_block_terms: the exact"
              + " integer accumulator within a run of terms that share their scales. Backends and hardware size their"
              + " accumulators from these.",
          List.of(),
          List.of("layers-annotated", "integer-layers"),
          o -> (g, ctx) -> {
            int[] counts = annotate(g);
            ctx.stat("layers-annotated", counts[0]);
            ctx.stat("integer-layers", counts[1]);
            return PassResult.of(counts[0] > 0);
          });

  /**
   * One operand of a dot product: its element format, how many consecutive reduction terms share a
   * scale (0: all), and its scalar granularity (null for block formats).
   */
  private record Operand(ScalarFormat element, long run, Granularity granularity) {}

  private Accumulators() {}

  /** Annotates every layer; returns {layers annotated, layers with an integer accumulator}. */
  static int[] annotate(Graph g) {
    int layers = 0;
    int integer = 0;
    for (Node n : g.nodes()) {
      Optional<LayerAxes> ax = LayerAxes.of(n);
      if (ax.isEmpty() || ax.get().terms().isEmpty()) {
        continue;
      }
      for (String k : List.of(ACC, ACC_LSB, BLOCK, BLOCK_LSB, BLOCK_TERMS)) {
        n.removeAttribute(k);
      }
      long terms = ax.get().terms().get();
      Value weight = n.inputs().get(1);
      Node sparse = weight.producer();
      if (sparse != null && sparse.qualifiedOp().equals("qcc.Densify")) {
        // Only the kept weights are multiplied: n of every m terms.
        terms = terms / ConstantFacts.intAttr(sparse, "m") * ConstantFacts.intAttr(sparse, "n");
        weight = sparse.inputs().get(0);
      }
      Optional<Operand> x = operand(n.inputs().get(0), ax.get().dataReduction());
      Optional<Operand> w = operand(weight, ax.get().weightReduction());
      Optional<Accumulator> whole = Optional.empty();
      if (x.isPresent() && w.isPresent() && w.get().granularity() == null && weight == n.inputs().get(1)
          && x.get().granularity() instanceof Granularity.PerTensor) {
        whole = BlockWeight.of(g, weight.producer()).flatMap(b -> b.accumulator(x.get().element(), ax.get().weightChannel()));
      }
      if (whole.isEmpty() && x.isPresent() && w.isPresent()) {
        long run = run(x.get().run(), w.get().run());
        Optional<Accumulator> exact = Accumulator.exact(x.get().element(), w.get().element(), run == 0 ? terms : Math.min(run, terms));
        // One multiplier per output channel (ExactLayer) needs data scaled per tensor and weights per tensor or channel.
        boolean factors = x.get().granularity() instanceof Granularity.PerTensor
            && (w.get().granularity() instanceof Granularity.PerTensor
                || w.get().granularity() instanceof Granularity.PerChannel c && c.axis() == ax.get().weightChannel());
        boolean oneRun = run == 0 || run >= terms;
        if (oneRun && factors) {
          whole = exact;
        } else if (exact.isPresent()) {
          n.setAttribute(BLOCK, new Attribute.Str(exact.get().formatName()));
          n.setAttribute(BLOCK_LSB, new Attribute.Int(exact.get().lsbExponent()));
          n.setAttribute(BLOCK_TERMS, new Attribute.Int(oneRun ? terms : run));
        }
      }
      n.setAttribute(ACC, new Attribute.Str(whole.map(Accumulator::formatName).orElse("fp32")));
      whole.ifPresent(a -> n.setAttribute(ACC_LSB, new Attribute.Int(a.lsbExponent())));
      layers++;
      integer += whole.isPresent() ? 1 : 0;
    }
    return new int[] {layers, integer};
  }

  /** Terms that share both operands' scales: the finer of two aligned runs (0 means unbounded). */
  private static long run(long a, long b) {
    if (a == 0 || b == 0) {
      return Math.max(a, b);
    }
    return gcd(a, b);
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** The operand as a quantizer produces it; empty for an fp32 operand. */
  private static Optional<Operand> operand(Value v, int reductionAxis) {
    Optional<FakeQuantSpec> spec = FakeQuants.producing(v);
    if (spec.isEmpty()) {
      return Optional.empty();
    }
    FakeQuantSpec s = spec.get();
    if (s.format() instanceof BlockFormat b) {
      return Optional.of(new Operand(b.elementFormat(), s.axis() == reductionAxis ? b.blockSize() : 1, null));
    }
    ScalarFormat f = (ScalarFormat) s.format();
    if (s.granularity() instanceof Granularity.PerChannel c) {
      return Optional.of(new Operand(f, c.axis() == reductionAxis ? 1 : 0, c));
    }
    if (s.granularity() instanceof Granularity.PerGroup p) {
      return Optional.of(new Operand(f, p.axis() == reductionAxis ? p.size() : 0, p));
    }
    return Optional.of(new Operand(f, 0, s.granularity()));
  }
}
