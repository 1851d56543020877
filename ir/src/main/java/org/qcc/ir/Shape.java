// A tensor shape: a list of dims, or an unknown rank.
package org.qcc.ir;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The shape of a tensor. {@link #UNRANKED} stands for a shape whose rank is not known. */
public record Shape(List<Dim> dims, boolean ranked) {
  public static final Shape UNRANKED = new Shape(List.of(), false);
  public static final Shape SCALAR = new Shape(List.of(), true);

  public Shape {
    dims = List.copyOf(dims);
  }

  public static Shape of(List<Dim> dims) {
    return new Shape(dims, true);
  }

  public static Shape of(long... sizes) {
    List<Dim> d = new ArrayList<>(sizes.length);
    for (long s : sizes) {
      d.add(Dim.of(s));
    }
    return of(d);
  }

  public static Shape of(int... sizes) {
    List<Dim> d = new ArrayList<>(sizes.length);
    for (int s : sizes) {
      d.add(Dim.of(s));
    }
    return of(d);
  }

  /** A shape of the given rank whose every dim is unknown. */
  public static Shape unknownDims(int rank) {
    List<Dim> d = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      d.add(Dim.symbol("?"));
    }
    return of(d);
  }

  public int rank() {
    if (!ranked) {
      throw new IllegalStateException("rank of an unranked shape");
    }
    return dims.size();
  }

  public Dim dim(int i) {
    return dims.get(i);
  }

  /** True when the rank and every dim are known. */
  public boolean isStatic() {
    return ranked && dims.stream().allMatch(d -> d instanceof Dim.Fixed);
  }

  /** The sizes when the shape is static. */
  public Optional<long[]> sizes() {
    if (!isStatic()) {
      return Optional.empty();
    }
    long[] s = new long[dims.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = ((Dim.Fixed) dims.get(i)).size();
    }
    return Optional.of(s);
  }

  /** Number of elements of a static shape, or empty when unknown or above Long.MAX_VALUE. */
  public Optional<Long> elementCount() {
    return sizes()
        .flatMap(
            s -> {
              long n = 1;
              for (long v : s) {
                try {
                  n = Math.multiplyExact(n, v);
                } catch (ArithmeticException e) {
                  return Optional.empty();
                }
              }
              return Optional.of(n);
            });
  }

  @Override
  public String toString() {
    if (!ranked) {
      return "[*]";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(dims.get(i));
    }
    return sb.append(']').toString();
  }
}
