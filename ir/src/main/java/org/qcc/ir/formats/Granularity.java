// Which elements of a tensor share one quantization scale.
package org.qcc.ir.formats;

/** One scale for the whole tensor, per index along an axis, or per group of consecutive elements along an axis. */
public sealed interface Granularity {
  /** One scale. */
  record PerTensor() implements Granularity {
    @Override
    public String toString() {
      return "tensor";
    }
  }

  /** One scale per index along {@code axis} (e.g. output channels of a weight). */
  record PerChannel(int axis) implements Granularity {
    @Override
    public String toString() {
      return "channel(axis=" + axis + ")";
    }
  }

  /** One scale per {@code size} consecutive elements along {@code axis}, per position of the other axes. */
  record PerGroup(int axis, int size) implements Granularity {
    public PerGroup {
      if (size < 1) {
        throw new IllegalArgumentException("group size must be at least 1, got " + size);
      }
    }

    @Override
    public String toString() {
      return "group(axis=" + axis + ", size=" + size + ")";
    }
  }

  Granularity TENSOR = new PerTensor();
}
