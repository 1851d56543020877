// The LLVM natives: loaded once, targets registered, C API errors turned into exceptions.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.llvm.LLVM.LLVMErrorRef;
import org.qcc.backends.BackendException;

/**
 * Entry to the JavaCPP LLVM presets. The first call unpacks the natives from the jar (JavaCPP
 * caches them under ~/.javacpp/cache); a missing or broken native library becomes one {@link
 * BackendException} line instead of an UnsatisfiedLinkError trace.
 */
final class Llvm {
  private static boolean loaded;

  private Llvm() {}

  static synchronized void load() {
    if (loaded) {
      return;
    }
    try {
      LLVMInitializeNativeTarget();
      LLVMInitializeNativeAsmPrinter();
      LLVMInitializeNativeAsmParser();
      LLVMInitializeNVPTXTargetInfo();
      LLVMInitializeNVPTXTarget();
      LLVMInitializeNVPTXTargetMC();
      LLVMInitializeNVPTXAsmPrinter();
    } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
      throw new BackendException(
          "the LLVM native library could not be loaded (org.bytedeco:llvm for linux-x86_64): " + rootMessage(e), e);
    }
    loaded = true;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage()).lines().findFirst().orElse(t.toString());
  }

  /** Throws with {@code what} and LLVM's message when {@code err} is an error. */
  static void check(LLVMErrorRef err, String what) {
    if (err != null && !err.isNull()) {
      BytePointer msg = LLVMGetErrorMessage(err);
      String text = msg.getString();
      LLVMDisposeErrorMessage(msg);
      throw new BackendException(what + ": " + text);
    }
  }

  /** Reads and frees an LLVM-owned message. */
  static String message(BytePointer msg) {
    String text = msg.getString();
    LLVMDisposeMessage(msg);
    return text;
  }
}
