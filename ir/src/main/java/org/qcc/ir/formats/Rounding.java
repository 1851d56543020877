// How a value between two representable neighbours picks one of them.
package org.qcc.ir.formats;

/**
 * Rounding modes shared by every format. Each rounds a real number {@code r} (given as a double,
 * exact) to an integer; formats scale values so that their grid is the integers.
 *
 * <p>{@link #STOCHASTIC} rounds up with probability equal to the fractional part. Its randomness
 * comes from {@link #randomBits(long, long)} of a seed and the element's index, never from shared
 * state, so results are reproducible whatever the threading.
 */
public enum Rounding {
  /** To nearest, ties to the even neighbour (IEEE default). */
  NEAREST_EVEN("rne"),
  /** To nearest, ties away from zero. */
  NEAREST_AWAY("rna"),
  /** Toward zero (truncation). */
  TOWARD_ZERO("rtz"),
  /** Toward negative infinity. */
  FLOOR("floor"),
  /** Toward positive infinity. */
  CEIL("ceil"),
  /** Up with probability equal to the fractional part, from seeded per-element random bits. */
  STOCHASTIC("stochastic");

  private final String id;

  Rounding(String id) {
    this.id = id;
  }

  /** The short name used by pass options and the CLI. */
  public String id() {
    return id;
  }

  /** The mode named {@code text} (its short name or enum name, any case). */
  public static Rounding parse(String text) {
    for (Rounding r : values()) {
      if (r.id.equalsIgnoreCase(text) || r.name().equalsIgnoreCase(text.replace('-', '_'))) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown rounding '" + text + "' (known: rne, rna, rtz, floor, ceil, stochastic)");
  }

  /**
   * Rounds a non-negative magnitude {@code r} to an integer, for a value whose sign is {@code
   * negative}: the directed modes need the sign to know which way is up.
   */
  public double roundMagnitude(double r, boolean negative, long random) {
    switch (this) {
      case NEAREST_EVEN:
        return Math.rint(r);
      case NEAREST_AWAY:
        double below = Math.floor(r);
        return r - below >= 0.5 ? below + 1 : below;
      case TOWARD_ZERO:
        return Math.floor(r);
      case FLOOR:
        return negative ? Math.ceil(r) : Math.floor(r);
      case CEIL:
        return negative ? Math.floor(r) : Math.ceil(r);
      default:
        double down = Math.floor(r);
        return uniform(random) < r - down ? down + 1 : down;
    }
  }

  /** Rounds a signed value to an integer. */
  public double round(double r, long random) {
    double m = roundMagnitude(Math.abs(r), r < 0, random);
    return r < 0 ? -m : m;
  }

  /** True when a value that overflows the largest finite magnitude goes to infinity under IEEE rules. */
  boolean overflowsToInfinity(boolean negative) {
    return switch (this) {
      case TOWARD_ZERO -> false;
      case FLOOR -> negative;
      case CEIL -> !negative;
      default -> true;
    };
  }

  /** Reproducible random bits for element {@code index} under {@code seed} (SplitMix64 finalizer). */
  public static long randomBits(long seed, long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  static double uniform(long random) {
    return (random >>> 11) * 0x1.0p-53;
  }

  @Override
  public String toString() {
    return id;
  }
}
