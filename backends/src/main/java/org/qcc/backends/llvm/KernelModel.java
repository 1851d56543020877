// A model lowered to GPU kernels: their module and the plan that runs them.
package org.qcc.backends.llvm;

import java.util.List;

/**
 * One kernel per layer, each thread computing one output element. Every run-time tensor lives in
 * a slot, a device buffer of {@code slotFloats.get(s)} floats per image; the inputs are copied into
 * their slots, the launches run in order, the outputs are read from theirs.
 */
public record KernelModel(
    String symbol, ModuleText module, List<TensorInfo> inputs, List<TensorInfo> outputs, List<Long> slotFloats, int[] inputSlots, int[] outputSlots, List<Launch> launches) {

  /** Kernel {@code kernel} over the given slots (its parameters, in order) with {@code threadsPerImage} threads per image. */
  public record Launch(String kernel, List<Integer> slots, long threadsPerImage) {}
}
