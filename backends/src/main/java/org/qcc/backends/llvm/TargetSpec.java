// The machine code is generated for: triple, CPU and feature string.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

/** What LLVM targets: the host CPU, with its name and features so the vectorizer uses all of it. */
public record TargetSpec(String triple, String cpu, String features) {
  /** The machine qcc runs on, as LLVM detects it. */
  public static TargetSpec host() {
    Llvm.load();
    return new TargetSpec(Llvm.message(LLVMGetDefaultTargetTriple()), Llvm.message(LLVMGetHostCPUName()), Llvm.message(LLVMGetHostCPUFeatures()));
  }

  /** Bytes per SIMD register the kernels tile for: 64 with AVX-512, 32 with AVX, 16 otherwise. */
  public int vectorBytes() {
    if (features.contains("+avx512f")) {
      return 64;
    }
    return features.contains("+avx") ? 32 : 16;
  }
}
