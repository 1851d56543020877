// Reading qcc.FakeQuant nodes back: is a node one, and what its attributes mean.
package org.qcc.passes.quant;

import java.util.Optional;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.ir.ops.FakeQuantSpec;

/** Helpers over {@code qcc.FakeQuant} nodes for the quantization passes. */
final class FakeQuants {
  /**
   * Prefix of the FakeQuant attributes that {@code to-qonnx} keeps on the QONNX op it writes, so
   * that {@code from-qonnx} restores the identical FakeQuant.
   */
  static final String PROVENANCE = "qcc.";

  private FakeQuants() {}

  static boolean is(Node n) {
    return FakeQuantSpec.isFakeQuant(n);
  }

  /** The checked meaning of a FakeQuant node's attributes against its input types. */
  static FakeQuantSpec spec(Node n) {
    return FakeQuantSpec.of(n);
  }

  /** The spec of the FakeQuant that produces {@code v}, if one does. */
  static Optional<FakeQuantSpec> producing(Value v) {
    return v != null && is(v.producer()) ? Optional.of(spec(v.producer())) : Optional.empty();
  }
}
