// The machine code is generated for: triple, CPU and feature string.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.List;
import org.qcc.backends.BackendException;

/** What LLVM targets: the host CPU, with its name and features so the vectorizer uses all of it. */
public record TargetSpec(String triple, String cpu, String features) {
  /** The machine qcc runs on, as LLVM detects it. */
  public static TargetSpec host() {
    Llvm.load();
    return new TargetSpec(Llvm.message(LLVMGetDefaultTargetTriple()), Llvm.message(LLVMGetHostCPUName()), Llvm.message(LLVMGetHostCPUFeatures()));
  }

  /** GPUs the NVPTX target can compile for and current ptxas still accepts. */
  public static final List<String> GPUS = List.of("sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a", "sm_100", "sm_100a", "sm_120", "sm_120a");

  /**
   * An NVIDIA GPU. The PTX ISA version is set explicitly: LLVM otherwise assumes an old one. 8.0
   * covers everything up to sm_90a; Blackwell needs 8.6 (sm_100) or 8.7 (sm_120).
   */
  public static TargetSpec nvptx(String gpu) {
    if (!GPUS.contains(gpu)) {
      throw new BackendException("--gpu " + gpu + " is not a GPU qcc compiles for; use one of " + String.join(", ", GPUS));
    }
    String ptx = gpu.startsWith("sm_12") ? "+ptx87" : gpu.startsWith("sm_10") ? "+ptx86" : "+ptx80";
    return new TargetSpec("nvptx64-nvidia-cuda", gpu, ptx);
  }

  /** Bytes per SIMD register the kernels tile for: 64 with AVX-512, 32 with AVX, 16 otherwise. */
  public int vectorBytes() {
    if (features.contains("+avx512f")) {
      return 64;
    }
    return features.contains("+avx") ? 32 : 16;
  }
}
