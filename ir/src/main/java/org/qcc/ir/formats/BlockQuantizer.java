// Applies a block format to a whole tensor: blocks along one axis, encode, decode, fake-quantize.
package org.qcc.ir.formats;

import java.util.stream.IntStream;

/**
 * Quantizes row-major float tensors to a {@link BlockFormat} with blocks of consecutive elements
 * along {@code axis}. The scales form a tensor of the input's shape with the axis dimension
 * replaced by the number of blocks per line, {@code ceil(shape[axis] / blockSize)}.
 *
 * <p>Work is split over blocks and run in parallel for large tensors; stochastic rounding draws
 * element {@code i}'s bits from {@code (seed, i)}, so results never depend on the split.
 */
public final class BlockQuantizer {
  private static final int PARALLEL_ELEMENTS = 1 << 15;

  private BlockQuantizer() {}

  /** A block-quantized tensor: one element code per input element, one scale code per block. */
  public record Encoded(BlockFormat format, int[] shape, int axis, int[] codes, int[] scaleCodes, double tensorScale) {}

  /** The layout of blocks along an axis of a row-major shape. */
  private record Layout(int outer, int length, int inner, int blocksPerLine, int blockSize) {
    static Layout of(int[] shape, int axis, int blockSize) {
      AxisView v = AxisView.of(shape, axis, "block axis");
      return new Layout(v.outer(), v.length(), v.inner(), (v.length() + blockSize - 1) / blockSize, blockSize);
    }

    int blocks() {
      return outer * blocksPerLine * inner;
    }

    /**
     * Runs {@code body(block, first element index, count)} for every block; stride is {@code
     * inner}. Parallel runs hand out chunks of blocks, since one block is too little work for a task.
     */
    void forEachBlock(boolean parallel, BlockBody body) {
      int blocks = blocks();
      int chunk = parallel ? Math.max(1, PARALLEL_ELEMENTS / blockSize) : blocks;
      int chunks = (blocks + chunk - 1) / chunk;
      IntStream range = IntStream.range(0, chunks);
      (parallel ? range.parallel() : range)
          .forEach(
              c -> {
                for (int s = c * chunk, end = Math.min(blocks, s + chunk); s < end; s++) {
                  int i = s % inner;
                  int line = s / inner;
                  int b = line % blocksPerLine;
                  int o = line / blocksPerLine;
                  int a0 = b * blockSize;
                  body.run(s, (o * length + a0) * inner + i, Math.min(blockSize, length - a0));
                }
              });
    }
  }

  private interface BlockBody {
    void run(int block, int first, int count);
  }

  /** The scale shape for {@code shape} with blocks along {@code axis}. */
  public static int[] scaleShape(BlockFormat f, int[] shape, int axis) {
    Layout l = Layout.of(shape, axis, f.blockSize());
    int[] s = shape.clone();
    s[axis] = l.blocksPerLine();
    return s;
  }

  /** Encodes {@code x} to element and scale codes. */
  public static Encoded encode(BlockFormat f, float[] x, int[] shape, int axis, Rounding rounding, long seed) {
    Layout l = Layout.of(shape, axis, f.blockSize());
    double ts = tensorScale(f, x);
    boolean stochastic = rounding == Rounding.STOCHASTIC;
    int[] codes = new int[x.length];
    int[] scales = new int[l.blocks()];
    ScalarFormat element = f.elementFormat();
    l.forEachBlock(
        x.length >= PARALLEL_ELEMENTS,
        (block, first, n) -> {
          int sc = f.scaleCode(blockAmax(x, first, n, l.inner(), f.propagatesNaN()), ts);
          scales[block] = sc;
          double step = f.step(sc, ts);
          for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
            codes[idx] = step == 0 || Double.isNaN(step) ? 0 : element.encode(x[idx] / step, rounding, stochastic ? Rounding.randomBits(seed, idx) : 0);
          }
        });
    return new Encoded(f, shape.clone(), axis, codes, scales, ts);
  }

  /** The values an encoded tensor stands for. */
  public static float[] decode(Encoded e) {
    BlockFormat f = e.format();
    Layout l = Layout.of(e.shape(), e.axis(), f.blockSize());
    float[] out = new float[e.codes().length];
    ScalarFormat element = f.elementFormat();
    l.forEachBlock(
        out.length >= PARALLEL_ELEMENTS,
        (block, first, n) -> {
          double step = f.step(e.scaleCodes()[block], e.tensorScale());
          for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
            out[idx] = (float) (element.decode(e.codes()[idx]) * step);
          }
        });
    return out;
  }

  /**
   * What each element's code is multiplied by when {@code x} is quantized: its block's step
   * ({@link BlockFormat#step}), from the block's largest magnitude in {@code x}.
   */
  public static double[] elementSteps(BlockFormat f, float[] x, int[] shape, int axis) {
    Layout l = Layout.of(shape, axis, f.blockSize());
    double ts = tensorScale(f, x);
    double[] steps = new double[x.length];
    l.forEachBlock(
        false,
        (block, first, n) -> {
          double step = f.step(f.scaleCode(blockAmax(x, first, n, l.inner(), f.propagatesNaN()), ts), ts);
          for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
            steps[idx] = step;
          }
        });
    return steps;
  }

  /** Quantizes and dequantizes {@code x} into {@code out} (which may be {@code x}); same as decode(encode(x)). */
  public static void fakeQuantize(BlockFormat f, float[] x, int[] shape, int axis, Rounding rounding, long seed, float[] out) {
    Layout l = Layout.of(shape, axis, f.blockSize());
    double ts = tensorScale(f, x);
    boolean stochastic = rounding == Rounding.STOCHASTIC;
    ScalarFormat element = f.elementFormat();
    l.forEachBlock(
        x.length >= PARALLEL_ELEMENTS,
        (block, first, n) -> {
          double step = f.step(f.scaleCode(blockAmax(x, first, n, l.inner(), f.propagatesNaN()), ts), ts);
          if (step == 0) {
            for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
              out[idx] = 0f;
            }
            return;
          }
          // Multiplying by the reciprocal of a power of two is exact, and much cheaper than dividing.
          double inverse = 1 / step;
          boolean exactInverse = Math.getExponent(step) >= Double.MIN_EXPONENT && step == Math.scalb(1.0, Math.getExponent(step));
          for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
            double y = exactInverse ? x[idx] * inverse : x[idx] / step;
            out[idx] = (float) (element.quantize(y, rounding, stochastic ? Rounding.randomBits(seed, idx) : 0) * step);
          }
        });
  }

  /** Two-level formats scale by the whole tensor's largest magnitude; others skip that pass. */
  private static double tensorScale(BlockFormat f, float[] x) {
    return f.hasTensorScale() ? f.tensorScale(amax(x)) : 1.0;
  }

  /** Largest magnitude; NaN if any element is NaN. */
  static double amax(float[] x) {
    return blockAmax(x, 0, x.length, 1, true);
  }

  private static double blockAmax(float[] x, int first, int n, int stride, boolean propagateNaN) {
    float m = 0;
    for (int a = 0, idx = first; a < n; a++, idx += stride) {
      float v = Math.abs(x[idx]);
      if (v > m) {
        m = v;
      } else if (propagateNaN && Float.isNaN(v)) {
        return Double.NaN;
      }
    }
    return m;
  }
}
