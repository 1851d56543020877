// Which axes of a compute layer's weight and data input are output channels and reduction.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.intAttr;
import static org.qcc.passes.ConstantFacts.is;

import java.util.Optional;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Value;

/**
 * For Conv (weight [O, I/g, k...]), Gemm (transA/transB) and MatMul with a rank-2 weight: the
 * weight's output-channel and reduction axes, the data input's reduction axis, and the number of
 * products summed per output when the weight's shape is static.
 */
record LayerAxes(int weightChannel, int weightReduction, int dataReduction, Optional<Long> terms) {

  /** The layer's axes when {@code n} is a Conv, Gemm or MatMul with a ranked data input and weight. */
  static Optional<LayerAxes> of(Node n) {
    if (n.inputs().size() < 2 || n.inputs().get(0) == null || n.inputs().get(1) == null) {
      return Optional.empty();
    }
    Shape x = n.inputs().get(0).type().shape();
    Shape w = n.inputs().get(1).type().shape();
    if (!w.ranked()) {
      return Optional.empty();
    }
    if (is(n, "Conv") && w.rank() >= 3) {
      return Optional.of(new LayerAxes(0, 1, 1, product(n.inputs().get(1), 1)));
    }
    if (is(n, "Gemm") && w.rank() == 2) {
      boolean tb = intAttr(n, "transB") != 0;
      int red = tb ? 1 : 0;
      return Optional.of(new LayerAxes(tb ? 0 : 1, red, intAttr(n, "transA") != 0 ? 0 : 1, product(n.inputs().get(1), red)));
    }
    if (is(n, "MatMul") && w.rank() == 2) {
      // The data's last axis; -1 when its rank is known only at run time (FakeQuant takes ONNX-style axes).
      return Optional.of(new LayerAxes(1, 0, x.ranked() ? x.rank() - 1 : -1, product(n.inputs().get(1), 0)));
    }
    return Optional.empty();
  }

  /** Products per output: the weight's sizes from {@code from} on, except a Gemm/MatMul's output axis. */
  private static Optional<Long> product(Value w, int from) {
    return w.type().shape().sizes().map(s -> {
      if (s.length == 2) {
        return s[from];
      }
      long p = 1;
      for (int d = from; d < s.length; d++) {
        p *= s[d];
      }
      return p;
    });
  }
}
