// A textual LLVM module parsed into a context, with its constant data attached, optimized and emitted.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMContextRef;
import org.bytedeco.llvm.LLVM.LLVMMemoryBufferRef;
import org.bytedeco.llvm.LLVM.LLVMModuleRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeContextRef;
import org.bytedeco.llvm.LLVM.LLVMOrcThreadSafeModuleRef;
import org.bytedeco.llvm.LLVM.LLVMPassBuilderOptionsRef;
import org.bytedeco.llvm.LLVM.LLVMTargetMachineRef;
import org.bytedeco.llvm.LLVM.LLVMTargetRef;
import org.bytedeco.llvm.LLVM.LLVMValueRef;
import org.qcc.backends.BackendException;

/**
 * Owns one LLVM module. The code arrives as text; large constants (weights) arrive as bytes and
 * become the initializers of the globals the text declares {@code external constant}, which keeps
 * megabytes of weights out of the parser. The module lives in an ORC thread-safe context so the
 * same object can go to the JIT or to a file.
 */
final class NativeModule implements AutoCloseable {
  private final LLVMOrcThreadSafeContextRef tsc;
  private final LLVMTargetMachineRef machine;
  private LLVMModuleRef module;

  NativeModule(ModuleText text, TargetSpec target) {
    Llvm.load();
    this.tsc = LLVMOrcCreateNewThreadSafeContext();
    LLVMContextRef ctx = LLVMOrcThreadSafeContextGetContext(tsc);
    byte[] src = text.ir().getBytes(StandardCharsets.UTF_8);
    BytePointer srcPtr = new BytePointer(src.length + 1L);
    srcPtr.put(src).put(src.length, (byte) 0);
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy(srcPtr, src.length, new BytePointer("qcc"));
    LLVMModuleRef m = new LLVMModuleRef();
    BytePointer err = new BytePointer();
    if (LLVMParseIRInContext(ctx, buf, m, err) != 0) {
      throw new BackendException("generated LLVM IR does not parse (a qcc bug): " + Llvm.message(err));
    }
    this.module = m;
    for (Map.Entry<String, byte[]> c : text.constants().entrySet()) {
      attach(ctx, c.getKey(), c.getValue());
    }
    if (LLVMVerifyModule(module, LLVMReturnStatusAction, err) != 0) {
      throw new BackendException("generated LLVM IR is invalid (a qcc bug): " + Llvm.message(err));
    }
    this.machine = createMachine(target);
    LLVMSetTarget(module, target.triple());
    BytePointer layout = LLVMCopyStringRepOfTargetData(LLVMCreateTargetDataLayout(machine));
    LLVMSetDataLayout(module, layout);
    LLVMDisposeMessage(layout);
  }

  private void attach(LLVMContextRef ctx, String name, byte[] data) {
    LLVMValueRef g = LLVMGetNamedGlobal(module, name);
    if (g == null || g.isNull()) {
      throw new BackendException("generated LLVM IR lacks the global @" + name + " (a qcc bug)");
    }
    BytePointer bytes = new BytePointer(data.length);
    bytes.put(data);
    LLVMSetInitializer(g, LLVMConstStringInContext2(ctx, bytes, data.length, 1));
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetAlignment(g, 64);
  }

  static LLVMTargetMachineRef createMachine(TargetSpec t) {
    LLVMTargetRef target = new LLVMTargetRef();
    BytePointer err = new BytePointer();
    if (LLVMGetTargetFromTriple(new BytePointer(t.triple()), target, err) != 0) {
      throw new BackendException("LLVM has no target for " + t.triple() + ": " + Llvm.message(err));
    }
    // Relocation model PIC: AOT objects must link into executables and shared libraries alike.
    return LLVMCreateTargetMachine(target, t.triple(), t.cpu(), t.features(), LLVMCodeGenLevelAggressive, LLVMRelocPIC, LLVMCodeModelDefault);
  }

  /** Runs the O3 pipeline for the target machine (its vector widths and costs drive the vectorizers). */
  void optimize() {
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    try {
      LLVMPassBuilderOptionsSetLoopVectorization(opts, 1);
      LLVMPassBuilderOptionsSetSLPVectorization(opts, 1);
      LLVMPassBuilderOptionsSetLoopUnrolling(opts, 1);
      Llvm.check(LLVMRunPasses(module, "default<O3>", machine, opts), "LLVM optimization failed");
    } finally {
      LLVMDisposePassBuilderOptions(opts);
    }
  }

  /** The module as LLVM prints it (constants included). */
  String print() {
    return Llvm.message(LLVMPrintModuleToString(module));
  }

  void writeObject(Path file) {
    emit(file, LLVMObjectFile);
  }

  /** Target assembly: PTX text for NVPTX. */
  void writeAssembly(Path file) {
    emit(file, LLVMAssemblyFile);
  }

  private void emit(Path file, int kind) {
    BytePointer err = new BytePointer();
    if (LLVMTargetMachineEmitToFile(machine, module, new BytePointer(file.toString()), kind, err) != 0) {
      throw new BackendException("LLVM could not write " + file + ": " + Llvm.message(err));
    }
  }

  /** Hands the module to ORC; this object no longer owns it. */
  LLVMOrcThreadSafeModuleRef release() {
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(module, tsc);
    module = null;
    return tsm;
  }

  @Override
  public void close() {
    if (module != null) {
      LLVMDisposeModule(module);
      module = null;
    }
    LLVMDisposeTargetMachine(machine);
    LLVMOrcDisposeThreadSafeContext(tsc);
  }
}
