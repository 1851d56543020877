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

    /** Runs {@code body(block, first element index, count)} for every block; stride is {@code inner}. */
    void forEachBlock(boolean parallel, BlockBody body) {
      IntStream range = IntStream.range(0, blocks());
      (parallel ? range.parallel() : range)
          .forEach(
              s -> {
                int i = s % inner;
                int line = s / inner;
                int b = line % blocksPerLine;
                int o = line / blocksPerLine;
                int a0 = b * blockSize;
                int n = Math.min(blockSize, length - a0);
                body.run(s, (o * length + a0) * inner + i, n);
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
    double ts = f.tensorScale(amax(x));
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
            codes[idx] = step == 0 || Double.isNaN(step) ? 0 : element.encode(x[idx] / step, rounding, Rounding.randomBits(seed, idx));
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

  /** Quantizes and dequantizes {@code x} into {@code out} (which may be {@code x}); same as decode(encode(x)). */
  public static void fakeQuantize(BlockFormat f, float[] x, int[] shape, int axis, Rounding rounding, long seed, float[] out) {
    Layout l = Layout.of(shape, axis, f.blockSize());
    double ts = f.tensorScale(amax(x));
    ScalarFormat element = f.elementFormat();
    l.forEachBlock(
        x.length >= PARALLEL_ELEMENTS,
        (block, first, n) -> {
          double step = f.step(f.scaleCode(blockAmax(x, first, n, l.inner(), f.propagatesNaN()), ts), ts);
          for (int a = 0, idx = first; a < n; a++, idx += l.inner()) {
            out[idx] = step == 0 ? 0f : (float) (element.quantize(x[idx] / step, rounding, Rounding.randomBits(seed, idx)) * step);
          }
        });
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
