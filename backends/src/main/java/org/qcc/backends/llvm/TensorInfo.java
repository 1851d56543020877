// A model input or output as the generated code sees it.
package org.qcc.backends.llvm;

/** Name and per-image shape (batch dimension excluded) of an fp32 tensor. */
public record TensorInfo(String name, int[] shape) {
  public long elements() {
    return LayerContext.elements(shape);
  }
}
