// A constant weight in a block format with power-of-two steps, taken as integer codes on one grid.
package org.qcc.ir.ops;

import java.util.Optional;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.Accumulator;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

/**
 * A constant weight quantized by a {@code qcc.FakeQuant} to a block format whose block steps are
 * powers of two (BFP's shared exponents, OCP MX's E8M0 scales). Every value is then an integer
 * multiple of the finest step any nonzero value's block uses, {@code 2^lsb}, so a layer can take
 * the weight as integer codes on that one grid, its block scales folded into the codes, and sum
 * products exactly like a scalar format's ({@link ExactLayer}). This is what a block dot product
 * computes when it shifts each block's exact sum by the block's scale into one accumulator.
 *
 * @param codeFormat the signed integer format that holds every code
 * @param codes the codes, as the weight's values divided by {@code 2^lsb}
 */
public record BlockWeight(BlockFormat format, int lsb, IntFormat codeFormat, int[] shape, long[] codes) {
  /** Codes past this magnitude are refused: their sums could not stay within 64 bits. */
  private static final long MAX_CODE = 1L << 40;

  /**
   * The block weight that {@code quant} (a block-format qcc.FakeQuant) makes of its constant input;
   * empty when the input is not a constant, the rounding is stochastic, a value is not finite, or a
   * block's step is not a power of two (NVFP4's fp32 tensor scale).
   */
  public static Optional<BlockWeight> of(Graph g, Node quant) {
    if (!FakeQuantSpec.isFakeQuant(quant)) {
      return Optional.empty();
    }
    FakeQuantSpec spec = FakeQuantSpec.of(quant);
    Tensor w = g.constants().get(quant.inputs().get(0));
    if (!spec.isBlock() || w == null || spec.rounding() == Rounding.STOCHASTIC || w.rank() == 0) {
      return Optional.empty();
    }
    BlockFormat f = (BlockFormat) spec.format();
    float[] x = new float[w.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) w.getDouble(i);
    }
    int[] shape = w.shape();
    float[] q = new float[x.length];
    BlockQuantizer.fakeQuantize(f, x, shape, spec.axis(), spec.rounding(), 0, q);
    double[] steps = BlockQuantizer.elementSteps(f, x, shape, spec.axis());
    int elementLsb = Accumulator.lsbExponent(f.elementFormat());
    int lsb = Integer.MAX_VALUE;
    for (int i = 0; i < q.length; i++) {
      if (!Float.isFinite(q[i])) {
        return Optional.empty();
      }
      if (q[i] != 0) {
        if (!powerOfTwo(steps[i])) {
          return Optional.empty();
        }
        lsb = Math.min(lsb, Math.getExponent(steps[i]) + elementLsb);
      }
    }
    lsb = lsb == Integer.MAX_VALUE ? elementLsb : lsb;
    long[] codes = new long[q.length];
    long max = 1;
    for (int i = 0; i < q.length; i++) {
      double c = Math.scalb((double) q[i], -lsb);
      if (Math.abs(c) > MAX_CODE || c != Math.rint(c)) {
        // A value off the grid would mean the format's steps are not what its element grid says.
        return Optional.empty();
      }
      codes[i] = (long) c;
      max = Math.max(max, Math.abs(codes[i]));
    }
    int bits = 64 - Long.numberOfLeadingZeros(max) + 1;
    return Optional.of(new BlockWeight(f, lsb, new IntFormat(bits, true, false), shape, codes));
  }

  /**
   * The exact accumulator for this weight's dot products with values of {@code data} when the
   * weight's output channels run along {@code channelAxis}: each channel's sum reaches at most the
   * extremes that {@link Accumulator#exact(ScalarFormat, long[], long[], int)} derives from its
   * positive and negative codes.
   */
  public Optional<Accumulator> accumulator(ScalarFormat data, int channelAxis) {
    int channels = shape[channelAxis];
    int inner = 1;
    for (int d = channelAxis + 1; d < shape.length; d++) {
      inner *= shape[d];
    }
    long[] positive = new long[channels];
    long[] negative = new long[channels];
    try {
      for (int i = 0; i < codes.length; i++) {
        int c = i / inner % channels;
        if (codes[i] > 0) {
          positive[c] = Math.addExact(positive[c], codes[i]);
        } else {
          negative[c] = Math.subtractExact(negative[c], codes[i]);
        }
      }
    } catch (ArithmeticException beyond64Bits) {
      return Optional.empty();
    }
    return Accumulator.exact(data, positive, negative, lsb);
  }

  private static boolean powerOfTwo(double step) {
    return step > 0 && Double.isFinite(step) && Math.scalb(1.0, Math.getExponent(step)) == step;
  }
}
