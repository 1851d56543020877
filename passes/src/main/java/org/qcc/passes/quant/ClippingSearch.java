// Chooses an activation's scale from its histogram: percentile, least squared error, least KL.
package org.qcc.passes.quant;

import java.util.function.DoubleUnaryOperator;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;

/**
 * Each method picks a clipping threshold and returns the scale {@link Quantizer#scaleFor} makes
 * of it. Candidates are compared by the scale they actually produce, after rounding to the scale
 * format, and by what the real format does to each bin (its grid, its subnormals, its
 * saturation): the same search serves integers and minifloats, where the scale sets where the
 * exponent range sits.
 */
final class ClippingSearch {
  private final MagnitudeHistogram h;
  private final Quantizer quantizer;
  private final Rounding rounding;

  ClippingSearch(MagnitudeHistogram h, Quantizer quantizer, Rounding rounding) {
    this.h = h;
    this.quantizer = quantizer;
    this.rounding = rounding == Rounding.STOCHASTIC ? Rounding.NEAREST_EVEN : rounding;
  }

  /** The value below which {@code percent} of all elements (zeros included) lie. */
  float percentile(double percent) {
    double amax = h.max();
    long total = h.zeros();
    for (int b = 0; b < h.bins(); b++) {
      total += h.count(b);
    }
    double target = percent / 100 * total;
    long seen = h.zeros();
    for (int b = 0; b < h.bins(); b++) {
      seen += h.count(b);
      if (seen >= target && seen > h.zeros()) {
        return quantizer.scaleFor(Math.min(amax, h.edge(b)));
      }
    }
    return quantizer.scaleFor(amax);
  }

  /** The scale with the least squared error over the histogram, among {@code candidates} thresholds up to the range. */
  float mse(int candidates) {
    float best = Float.NaN;
    double bestErr = Double.POSITIVE_INFINITY;
    float prior = Float.NaN;
    for (int k = candidates; k >= 1; k--) {
      float s = quantizer.scaleFor(h.max() * k / candidates);
      if (s == prior) {
        continue;
      }
      prior = s;
      DoubleUnaryOperator q = fakeQuant(s);
      double err = 0;
      for (int b = 0; b < h.bins(); b++) {
        if (h.count(b) > 0) {
          double c = h.center(b);
          double d = c - q.applyAsDouble(c);
          err += h.count(b) * d * d;
        }
      }
      // Ties go to the larger scale: it clips less for the same error.
      if (err < bestErr) {
        bestErr = err;
        best = s;
      }
    }
    return best;
  }

  /**
   * The scale whose quantized distribution is closest in KL divergence to the clipped one (the
   * entropy calibration of TensorRT). For a candidate scale, P is the histogram up to the clipping
   * point with everything beyond added to its last bin; Q is the histogram up to the clipping
   * point without that mass, with the mass of each run of bins that quantize to one code spread
   * evenly over the run's non-empty bins. Clipping a lot thus costs in the last bin, coarse steps
   * cost everywhere. Grouping bins by the code the real format gives them is what makes this work
   * for minifloat grids as well as integers.
   */
  float kl(int candidates) {
    int bins = h.bins();
    long[] suffix = new long[bins + 1];
    for (int b = bins - 1; b >= 0; b--) {
      suffix[b] = suffix[b + 1] + h.count(b);
    }
    if (suffix[0] == 0) {
      return quantizer.scaleFor(0);
    }
    float best = Float.NaN;
    double bestKl = Double.POSITIVE_INFINITY;
    float prior = Float.NaN;
    int first = Math.max(1, bins / 16);
    int stride = Math.max(1, (bins - first) / candidates);
    for (int i = bins; i >= first; i -= stride) {
      float s = quantizer.scaleFor(h.edge(i - 1));
      if (s == prior) {
        continue;
      }
      prior = s;
      int clip = (int) Math.min(bins, Math.max(1, Math.ceil(s * quantizer.maxMagnitude() / h.width())));
      double d = divergence(clip, suffix, fakeQuant(s));
      // Ties go to the larger scale, as in mse.
      if (d < bestKl) {
        bestKl = d;
        best = s;
      }
    }
    return Float.isNaN(best) ? quantizer.scaleFor(h.max()) : best;
  }

  /** KL(P || Q) for the histogram clipped to {@code clip} bins and quantized by {@code q}. */
  private double divergence(int clip, long[] suffix, DoubleUnaryOperator q) {
    double pTotal = suffix[0];
    double qTotal = suffix[0] - suffix[clip];
    if (qTotal == 0) {
      return Double.POSITIVE_INFINITY;
    }
    double kl = 0;
    int start = 0;
    while (start < clip) {
      double code = q.applyAsDouble(h.center(start));
      int end = start + 1;
      while (end < clip && q.applyAsDouble(h.center(end)) == code) {
        end++;
      }
      double mass = 0;
      int nonEmpty = 0;
      for (int b = start; b < end; b++) {
        mass += h.count(b);
        nonEmpty += h.count(b) > 0 ? 1 : 0;
      }
      for (int b = start; b < end; b++) {
        double p = (b == clip - 1 ? suffix[b] : h.count(b)) / pTotal;
        if (p > 0) {
          double qb = h.count(b) > 0 ? mass / nonEmpty / qTotal : 0;
          if (qb == 0) {
            return Double.POSITIVE_INFINITY;
          }
          kl += p * Math.log(p / qb);
        }
      }
      start = end;
    }
    return kl;
  }

  private DoubleUnaryOperator fakeQuant(float scale) {
    return x -> (double) quantizer.format().quantize(x / scale, rounding, 0) * scale;
  }
}
