package org.qcc.passes.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;

/** The clipping searches against brute force on the raw data, for integer and minifloat grids. */
class ClippingSearchTest {
  /** Laplace-distributed: a dense bulk and a long tail, where clipping pays at low bit widths. */
  private static float[] laplace(int n) {
    Random r = new Random(7);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      double u = r.nextDouble();
      x[i] = (float) ((u < 0.5 ? 1 : -1) * Math.log(1 - 2 * Math.abs(u - 0.5) + 1e-12));
    }
    return x;
  }

  private static float[] uniform(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (i % 2001 - 1000) / 100f;
    }
    return x;
  }

  private static double amax(float[] x) {
    double m = 0;
    for (float v : x) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  private static Quantizer quantizer(String format) {
    return Quantizer.perTensor((ScalarFormat) ElementFormats.parse(format));
  }

  private static ClippingSearch search(float[] x, Quantizer q) {
    MagnitudeHistogram h = new MagnitudeHistogram(amax(x), true, 2048);
    h.add(x);
    return new ClippingSearch(h, q, Rounding.NEAREST_EVEN);
  }

  /** The squared error of the raw data fake-quantized with {@code scale}. */
  private static double error(float[] x, Quantizer q, float scale) {
    float[] out = new float[x.length];
    q.fakeQuantize(x, new int[] {x.length}, new float[] {scale}, Rounding.NEAREST_EVEN, 0, out);
    double e = 0;
    for (int i = 0; i < x.length; i++) {
      e += (x[i] - out[i]) * (double) (x[i] - out[i]);
    }
    return e;
  }

  @ParameterizedTest
  @ValueSource(strings = {"int3", "int4", "int8", "fp4_e2m1", "fp6_e3m2", "fp6_e2m3", "e4m3fn", "e5m2"})
  void mseComesWithinTwoPercentOfTheBestScaleOnTheRawData(String format) {
    float[] x = laplace(20_000);
    Quantizer q = quantizer(format);
    double best = Double.POSITIVE_INFINITY;
    for (int k = 1; k <= 1000; k++) {
      best = Math.min(best, error(x, q, q.scaleFor(amax(x) * k / 1000)));
    }
    double chosen = error(x, q, search(x, q).mse(256));
    assertTrue(chosen <= best * 1.02, format + ": mse's scale has error " + chosen + ", brute force finds " + best);
  }

  @ParameterizedTest
  @ValueSource(strings = {"int4", "fp4_e2m1"})
  void atFourBitsMseClipsTheLaplaceTailAndBeatsMinMax(String format) {
    float[] x = laplace(20_000);
    Quantizer q = quantizer(format);
    float mse = search(x, q).mse(256);
    float minmax = q.scaleFor(amax(x));
    assertTrue(mse < minmax * 0.8, format + ": mse " + mse + " vs minmax " + minmax);
    assertTrue(error(x, q, mse) < error(x, q, minmax) * 0.8);
  }

  @Test
  void percentileCutsAtTheRequestedFractionOfMagnitudes() {
    float[] x = new float[10_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 2 == 0 ? 1 : -1) * (i + 1);
    }
    Quantizer q = quantizer("int8");
    float s = search(x, q).percentile(99);
    double width = amax(x) / 2048;
    assertEquals(9900, s * 127, width + 1, "99% of 1..10000 lie below 9900");
    assertEquals(q.scaleFor(amax(x)), search(x, q).percentile(100));
  }

  @Test
  void percentileCountsZerosAsValues() {
    float[] x = new float[1000];
    for (int i = 0; i < 100; i++) {
      x[i] = i + 1;
    }
    Quantizer q = quantizer("int8");
    // 900 zeros and 1..100: the 95th percentile is 50.
    assertEquals(50, search(x, q).percentile(95) * 127, 0.1);
  }

  @Test
  void klClipsALongTailButKeepsTheRangeOfAUniformDistribution() {
    Quantizer q = quantizer("int8");
    float[] tail = laplace(50_000);
    assertTrue(search(tail, q).kl(256) < 0.8 * q.scaleFor(amax(tail)));
    float[] flat = uniform(50_000);
    assertEquals(q.scaleFor(amax(flat)), search(flat, q).kl(256), 0.03 * q.scaleFor(amax(flat)));
  }

  @Test
  void klServesMinifloatGrids() {
    float[] x = laplace(20_000);
    for (String f : new String[] {"fp4_e2m1", "fp6_e3m2", "e4m3fn"}) {
      Quantizer q = quantizer(f);
      float s = search(x, q).kl(256);
      assertTrue(s > 0 && s <= q.scaleFor(amax(x)), f + ": " + s);
      assertTrue(error(x, q, s) < Double.POSITIVE_INFINITY);
    }
  }
}
