// The lowering's result: the module and the ABI facts callers need.
package org.qcc.backends.llvm;

import java.util.List;

/** A lowered model: its module, entry symbol, tensors and workspace size (bytes, for one caller at a time). */
public record LoweredModel(String symbol, ModuleText module, List<TensorInfo> inputs, List<TensorInfo> outputs, long workspaceBytes) {}
