// A deliberately simple second implementation of scalar formats, straight from their definitions.
package org.qcc.ir.formats;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Decodes codes with Math.pow from the format definitions and rounds by searching the sorted value
 * set, so it shares no arithmetic with the production code it checks.
 */
final class ReferenceFormat {
  private final ScalarFormat format;
  /** Non-negative finite magnitudes to a canonical code, plus a virtual value one step past the max. */
  private final TreeMap<Double, Integer> magnitudes = new TreeMap<>();
  private final double max;
  private final double virtualNext;

  ReferenceFormat(ScalarFormat format) {
    this.format = format;
    double mx = 0;
    for (int c = 0; c < format.codeCount(); c++) {
      double v = value(c);
      if (!Double.isNaN(v) && !Double.isInfinite(v) && v >= 0 && format.isCanonical(c)) {
        magnitudes.putIfAbsent(v, c);
        mx = Math.max(mx, v);
      }
    }
    max = mx;
    Double below = magnitudes.lowerKey(max);
    // One more step of the top binade's spacing (integers: step 1).
    double step = format instanceof Minifloat m ? Math.pow(2, m.maxExponent() - m.manBits()) : below == null ? 1 : max - below;
    virtualNext = max + step;
  }

  /** The value of a code from the format's definition. */
  double value(int code) {
    if (format instanceof Minifloat f) {
      int e = f.expBits();
      int m = f.manBits();
      int s = f.signed() ? (code >> (e + m)) & 1 : 0;
      int field = (code >> m) & ((1 << e) - 1);
      int man = code & ((1 << m) - 1);
      boolean topField = field == (1 << e) - 1;
      boolean allOnesMan = man == (1 << m) - 1;
      double sign = s == 1 ? -1 : 1;
      switch (f.specials()) {
        case IEEE:
          if (topField) {
            return man == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
          }
          break;
        case FINITE_NAN:
          if (topField && allOnesMan) {
            return Double.NaN;
          }
          break;
        case FNUZ:
          if (s == 1 && field == 0 && man == 0) {
            return Double.NaN;
          }
          break;
        default:
          break;
      }
      if (field == 0) {
        return f.subnormals() ? sign * (man / Math.pow(2, m)) * Math.pow(2, 1 - f.bias()) : sign * 0.0;
      }
      return sign * (1 + man / Math.pow(2, m)) * Math.pow(2, field - f.bias());
    }
    if (format instanceof IntFormat f) {
      int v = code;
      if (f.signed() && code >= (1 << (f.bits() - 1))) {
        v = code - (1 << f.bits());
      }
      return v;
    }
    if (format instanceof E8m0Format) {
      return code == 255 ? Double.NaN : Math.pow(2, code - 127);
    }
    return code == 1 ? 1 : -1;
  }

  /** The value {@code x} rounds to, found by search over the value set. */
  double quantize(double x, Rounding mode) {
    if (format instanceof BipolarFormat) {
      return x < 0 ? -1 : 1;
    }
    if (format instanceof IntFormat i) {
      // Integers: round on the real line, then clamp; the value set is an interval; no -0.
      return Double.isNaN(x) ? 0.0 : Math.max(i.min(), Math.min(i.max(), roundInteger(x, mode))) + 0.0;
    }
    if (format instanceof E8m0Format) {
      // No zero and no sign: everything at or below the smallest value saturates to it.
      return Double.isNaN(x) ? Double.NaN : quantizeMagnitude(Math.max(x, magnitudes.firstKey()), mode, false, true);
    }
    Minifloat f = (Minifloat) format;
    if (Double.isNaN(x)) {
      return f.specials() != Minifloat.Specials.NONE ? Double.NaN : 0.0;
    }
    boolean negative = x < 0 || (x == 0 && 1 / x < 0);
    if (negative && !f.signed()) {
      return 0.0;
    }
    double mag = quantizeMagnitude(Math.abs(x), mode, negative, f.saturating());
    if (mag == 0 && f.specials() == Minifloat.Specials.FNUZ) {
      return 0.0;
    }
    return negative ? -mag : mag;
  }

  private double quantizeMagnitude(double a, Rounding mode, boolean negative, boolean saturating) {
    double mag;
    if (Double.isInfinite(a)) {
      mag = saturating ? max : overflow(Rounding.NEAREST_EVEN, negative);
    } else if (a >= virtualNext) {
      mag = saturating ? max : overflow(mode, negative);
    } else {
      Double lo = magnitudes.floorKey(a);
      Double hi = a > max ? Double.valueOf(virtualNext) : magnitudes.ceilingKey(a);
      double pick;
      if (lo.doubleValue() == hi.doubleValue()) {
        pick = lo;
      } else {
        boolean up =
            switch (mode) {
              case NEAREST_EVEN -> {
                double dl = a - lo;
                double dh = hi - a;
                if (dl != dh) {
                  yield dh < dl;
                }
                double k = lo / (hi - lo);
                yield k % 2 != 0;
              }
              case NEAREST_AWAY -> a - lo >= hi - a;
              case TOWARD_ZERO -> false;
              case FLOOR -> negative;
              case CEIL -> !negative;
              case STOCHASTIC -> throw new IllegalArgumentException("no reference for stochastic");
            };
        pick = up ? hi : lo;
      }
      mag = pick <= max ? pick : saturating ? max : overflow(mode, negative);
    }
    return mag;
  }

  private static boolean directedDown(Rounding mode, boolean negative) {
    return mode == Rounding.TOWARD_ZERO || (mode == Rounding.FLOOR && !negative) || (mode == Rounding.CEIL && negative);
  }

  private double overflow(Rounding mode, boolean negative) {
    if (directedDown(mode, negative)) {
      return max;
    }
    return ((Minifloat) format).specials() == Minifloat.Specials.IEEE ? Double.POSITIVE_INFINITY : Double.NaN;
  }

  private static double roundInteger(double x, Rounding mode) {
    double lo = Math.floor(x);
    double hi = lo + 1;
    if (lo == x) {
      return x;
    }
    return switch (mode) {
      case NEAREST_EVEN -> x - lo < hi - x ? lo : x - lo > hi - x ? hi : (lo % 2 == 0 ? lo : hi);
      case NEAREST_AWAY -> x - lo < hi - x ? lo : x - lo > hi - x ? hi : (x < 0 ? lo : hi);
      case TOWARD_ZERO -> x < 0 ? hi : lo;
      case FLOOR -> lo;
      case CEIL -> hi;
      case STOCHASTIC -> throw new IllegalArgumentException("no reference for stochastic");
    };
  }

  /** Inputs that exercise every rounding decision: grid points, midpoints and their neighbours, overflow, specials. */
  List<Double> probes() {
    List<Double> xs = new ArrayList<>();
    List<Double> grid = new ArrayList<>(magnitudes.keySet());
    grid.add(virtualNext);
    for (int k = 0; k < grid.size(); k++) {
      double v = grid.get(k);
      xs.add(v);
      if (k + 1 < grid.size()) {
        double mid = (v + grid.get(k + 1)) / 2;
        xs.add(mid);
        xs.add(Math.nextUp(mid));
        xs.add(Math.nextDown(mid));
        xs.add(v + (grid.get(k + 1) - v) / 4);
      }
    }
    xs.add(virtualNext * 1.5);
    xs.add(virtualNext * 1e6);
    xs.add(Math.pow(2, -160));
    xs.add(Double.POSITIVE_INFINITY);
    List<Double> all = new ArrayList<>();
    for (double x : xs) {
      all.add(x);
      all.add(-x);
    }
    all.add(Double.NaN);
    return all;
  }
}
