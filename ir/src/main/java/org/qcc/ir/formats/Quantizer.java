// Scaled quantization of float tensors to a scalar format, per tensor, channel or group.
package org.qcc.ir.formats;

import java.util.stream.IntStream;

/**
 * Quantizes a row-major float tensor to {@code format} with scales at a {@link Granularity},
 * stored as {@code scaleFormat}. Element {@code x} with scale {@code s} becomes the code of {@code
 * format} nearest (under the rounding) to the real quotient {@code x / s}, computed exactly: the
 * division runs in double, whose 53 bits leave no tie of a format of at most 24 significant bits
 * unresolved. Dequantization is the fp32 product {@code value * s}.
 *
 * <p>Scale layout: per tensor one scale; per channel {@code shape[axis]} scales; per group the
 * input's shape with {@code shape[axis]} replaced by {@code ceil(shape[axis] / size)}.
 */
public record Quantizer(ScalarFormat format, Granularity granularity, ScaleFormat scaleFormat) {
  private static final int CHUNK = 1 << 14;

  public Quantizer {
    if (format == null || granularity == null || scaleFormat == null) {
      throw new IllegalArgumentException("a quantizer needs a format, a granularity and a scale format");
    }
  }

  /** Per-tensor fp32 scale. */
  public static Quantizer perTensor(ScalarFormat format) {
    return new Quantizer(format, Granularity.TENSOR, ScaleFormat.FP32);
  }

  /**
   * How elements map to scales for one shape. Element (o, a, i) of the [outer, length, inner]
   * view has scale {@code (o * outerMul + a / group) * innerMul + i * innerAdd}, which covers all
   * three granularities without a branch per element.
   */
  private record Layout(int outer, int length, int inner, int count, int outerMul, int group, int innerMul, int innerAdd) {
    int scaleIndex(int o, int a, int i) {
      return (o * outerMul + a / group) * innerMul + i * innerAdd;
    }
  }

  private Layout layout(int[] shape) {
    if (granularity instanceof Granularity.PerChannel c) {
      AxisView v = view(shape, c.axis());
      return new Layout(v.outer(), v.length(), v.inner(), v.length(), 0, 1, 1, 0);
    }
    if (granularity instanceof Granularity.PerGroup g) {
      AxisView v = view(shape, g.axis());
      int groups = (v.length() + g.size() - 1) / g.size();
      return new Layout(v.outer(), v.length(), v.inner(), v.outer() * groups * v.inner(), groups, g.size(), v.inner(), 1);
    }
    int size = 1;
    for (int d : shape) {
      size = Math.multiplyExact(size, d);
    }
    return new Layout(1, size, 1, 1, 0, Math.max(1, size), 1, 0);
  }

  private static AxisView view(int[] shape, int axis) {
    return AxisView.of(shape, axis, "quantization axis");
  }

  /** The number of scales a tensor of {@code shape} needs. */
  public int scaleCount(int[] shape) {
    return layout(shape).count();
  }

  /** The shape of the scale tensor for an input of {@code shape}. */
  public int[] scaleShape(int[] shape) {
    if (granularity instanceof Granularity.PerChannel c) {
      return new int[] {view(shape, c.axis()).length()};
    }
    if (granularity instanceof Granularity.PerGroup g) {
      int[] s = shape.clone();
      s[g.axis()] = (view(shape, g.axis()).length() + g.size() - 1) / g.size();
      return s;
    }
    return new int[0];
  }

  /**
   * Visits runs of consecutive elements that share one scale, in chunks that may run in parallel.
   * Runs keep the per-element work in tight loops: a whole chunk per tensor, {@code inner}
   * elements per channel, a group along the last axis per group.
   */
  private void forEachRun(int[] shape, int n, boolean parallel, RunBody body) {
    Layout l = layout(shape);
    int chunks = (n + CHUNK - 1) / CHUNK;
    IntStream range = IntStream.range(0, chunks);
    (parallel && chunks > 1 ? range.parallel() : range)
        .forEach(
            c -> {
              int end = Math.min(n, (c + 1) * CHUNK);
              for (int idx = c * CHUNK; idx < end; ) {
                int i = idx % l.inner();
                int a = (idx / l.inner()) % l.length();
                int o = idx / (l.inner() * l.length());
                int run;
                if (l.outerMul() == 0 && l.group() == l.length() && l.innerAdd() == 0) {
                  run = end - idx;
                } else if (l.innerAdd() == 0) {
                  run = l.inner() - i;
                } else {
                  run = l.inner() == 1 ? Math.min(l.group() - a % l.group(), l.length() - a) : 1;
                }
                run = Math.min(run, end - idx);
                body.run(idx, idx + run, l.scaleIndex(o, a, i));
                idx += run;
              }
            });
  }

  private interface RunBody {
    void run(int from, int to, int scaleIndex);
  }

  /**
   * Scales from the data: each scale is the largest magnitude it covers divided by the format's
   * largest value, rounded up to the scale format; 1 where everything it covers is zero.
   */
  public float[] scales(float[] x, int[] shape) {
    float[] amax = new float[scaleCount(shape)];
    // Sequential: chunks would race on a shared maximum.
    forEachRun(
        shape,
        x.length,
        false,
        (from, to, s) -> {
          for (int k = from; k < to; k++) {
            amax[s] = Math.max(amax[s], Math.abs(x[k]));
          }
        });
    float[] scales = new float[amax.length];
    for (int s = 0; s < scales.length; s++) {
      scales[s] = scaleFor(amax[s]);
    }
    return scales;
  }

  /**
   * The largest magnitude the format reaches on both sides of zero (127 for int8), so that
   * neither side of a symmetric range clips; the format's maximum for unsigned formats.
   */
  public double maxMagnitude() {
    return format.minValue() < 0 ? Math.min(format.maxValue(), -format.minValue()) : format.maxValue();
  }

  /**
   * The scale that maps {@code amax} onto {@link #maxMagnitude()}, rounded up to the scale format;
   * 1 when {@code amax} is zero or not finite.
   */
  public float scaleFor(double amax) {
    double ideal = amax / maxMagnitude();
    return ideal > 0 && Double.isFinite(ideal) ? scaleFormat.roundUp(ideal) : 1f;
  }

  private void checkScales(int[] shape, float[] scales) {
    int want = scaleCount(shape);
    if (scales.length != want) {
      throw new IllegalArgumentException("expected " + want + " scales for " + granularity + ", got " + scales.length);
    }
    for (float s : scales) {
      if (!(s > 0) || Float.isInfinite(s)) {
        throw new IllegalArgumentException("scales must be positive and finite, got " + s);
      }
    }
  }

  /** The scale each element of a tensor of {@code shape} is quantized with. */
  public float[] elementScales(int[] shape, float[] scales) {
    checkScales(shape, scales);
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    float[] out = new float[n];
    forEachRun(shape, n, false, (from, to, s) -> java.util.Arrays.fill(out, from, to, scales[s]));
    return out;
  }

  /** Codes of {@code x} under the given scales. */
  public int[] encode(float[] x, int[] shape, float[] scales, Rounding rounding, long seed) {
    checkScales(shape, scales);
    int[] codes = new int[x.length];
    boolean random = rounding == Rounding.STOCHASTIC;
    forEachRun(
        shape,
        x.length,
        true,
        (from, to, s) -> {
          double scale = scales[s];
          for (int k = from; k < to; k++) {
            codes[k] = format.encode(x[k] / scale, rounding, random ? Rounding.randomBits(seed, k) : 0);
          }
        });
    return codes;
  }

  /** Values of codes under the given scales. */
  public float[] decode(int[] codes, int[] shape, float[] scales) {
    checkScales(shape, scales);
    float[] out = new float[codes.length];
    forEachRun(
        shape,
        codes.length,
        true,
        (from, to, s) -> {
          for (int k = from; k < to; k++) {
            out[k] = format.decode(codes[k]) * scales[s];
          }
        });
    return out;
  }

  /** Quantize-dequantize into {@code out} (may be {@code x}); equals decode(encode(x)). */
  public void fakeQuantize(float[] x, int[] shape, float[] scales, Rounding rounding, long seed, float[] out) {
    checkScales(shape, scales);
    boolean random = rounding == Rounding.STOCHASTIC;
    // Integers under nearest-even are the common case in calibration and sweeps: inline them.
    boolean fastInt = format instanceof IntFormat && rounding == Rounding.NEAREST_EVEN && format.bits() <= 32;
    double lo = fastInt ? format.minValue() : 0;
    double hi = fastInt ? format.maxValue() : 0;
    forEachRun(
        shape,
        x.length,
        true,
        (from, to, s) -> {
          float scale = scales[s];
          if (fastInt) {
            for (int k = from; k < to; k++) {
              double q = Math.rint(x[k] / (double) scale) + 0.0; // + 0.0: integers have no -0
              out[k] = (float) (q >= lo ? (q <= hi ? q : hi) : q < lo ? lo : 0.0) * scale; // NaN -> 0
            }
          } else {
            for (int k = from; k < to; k++) {
              out[k] = format.quantize(x[k] / (double) scale, rounding, random ? Rounding.randomBits(seed, k) : 0) * scale;
            }
          }
        });
  }
}
