// Calling a JIT-compiled `void f(void *args)` from Java.
package org.qcc.backends.llvm;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.llvm.LLVM.LLVMOrcDisposeCAPIDefinitionGeneratorFunction;

/**
 * A native function of type {@code void (*)(void *)} at a known address. The presets have no
 * generic function-pointer class, so this borrows one of theirs with that exact C type. JavaCPP
 * reads the function address out of the memory the pointer object points to, so the object must
 * point to a cell holding the address, not at the code itself (which would crash the JVM).
 */
final class NativeEntry {
  private final LongPointer cell;
  private final LLVMOrcDisposeCAPIDefinitionGeneratorFunction function;

  NativeEntry(long address) {
    this.cell = new LongPointer(1);
    cell.put(0, address);
    this.function = new LLVMOrcDisposeCAPIDefinitionGeneratorFunction(cell);
  }

  void call(Pointer args) {
    function.call(args);
  }
}
