// The distribution of an activation's magnitudes, accumulated over calibration batches.
package org.qcc.passes.quant;

/**
 * Counts of |x| (of max(x, 0) for unsigned formats, whose negative side clips to zero anyway)
 * in equal bins over [0, max]. Exact zeros are counted apart: every format holds zero exactly,
 * so they carry no quantization error and would only swamp the first bin.
 */
final class MagnitudeHistogram {
  private final double max;
  private final boolean signed;
  private final long[] counts;
  private long zeros;

  MagnitudeHistogram(double max, boolean signed, int bins) {
    if (!(max > 0) || Double.isInfinite(max)) {
      throw new IllegalArgumentException("a histogram needs a positive finite range, got " + max);
    }
    this.max = max;
    this.signed = signed;
    this.counts = new long[bins];
  }

  /** The magnitude a value contributes. */
  static double magnitude(float x, boolean signed) {
    return signed ? Math.abs(x) : Math.max(x, 0f);
  }

  /** Adds every element of {@code x}; values beyond the range land in the last bin. */
  void add(float[] x) {
    double perBin = counts.length / max;
    for (float v : x) {
      double m = magnitude(v, signed);
      if (m == 0) {
        zeros++;
      } else if (m == m) { // NaN contributes nothing
        counts[(int) Math.min(counts.length - 1, m * perBin)]++;
      }
    }
  }

  /** The top of the range: the largest magnitude seen. */
  double max() {
    return max;
  }

  int bins() {
    return counts.length;
  }

  long count(int bin) {
    return counts[bin];
  }

  long zeros() {
    return zeros;
  }

  double width() {
    return max / counts.length;
  }

  double center(int bin) {
    return (bin + 0.5) * width();
  }

  /** The upper edge of {@code bin}. */
  double edge(int bin) {
    return (bin + 1) * width();
  }
}
