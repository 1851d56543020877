// One dimension of a tensor shape: a known size or a named symbol.
package org.qcc.ir;

/** A static size or a symbolic one (e.g. the batch dimension {@code N}). */
public sealed interface Dim permits Dim.Fixed, Dim.Symbolic {

  static Dim of(long size) {
    return new Fixed(size);
  }

  static Dim symbol(String name) {
    return new Symbolic(name);
  }

  /** A dimension of known size. */
  record Fixed(long size) implements Dim {
    public Fixed {
      if (size < 0) {
        throw new IllegalArgumentException("negative dimension " + size);
      }
    }

    @Override
    public String toString() {
      return Long.toString(size);
    }
  }

  /** A dimension known only by name; {@code ?} is an anonymous unknown. */
  record Symbolic(String name) implements Dim {
    @Override
    public String toString() {
      return name;
    }
  }
}
