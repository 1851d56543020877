// The type and shape rule of an op.
package org.qcc.ir.ops;

import java.util.List;
import org.qcc.ir.TensorType;

/** Computes output types from input types, attributes and constant inputs. */
@FunctionalInterface
public interface ShapeInference {
  List<TensorType> infer(InferenceContext ctx);
}
