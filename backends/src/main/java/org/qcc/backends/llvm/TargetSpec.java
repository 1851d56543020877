// The machine code is generated for: triple, CPU and feature string.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.regex.Pattern;
import org.qcc.backends.BackendException;

/** What LLVM targets: the host CPU (its name and features, so the vectorizer uses all of it) or an NVIDIA GPU. */
public record TargetSpec(String triple, String cpu, String features) {
  private static final Pattern SM = Pattern.compile("sm_[0-9]{2,3}a?");

  /** The machine qcc runs on, as LLVM detects it. */
  public static TargetSpec host() {
    Llvm.load();
    return new TargetSpec(Llvm.message(LLVMGetDefaultTargetTriple()), Llvm.message(LLVMGetHostCPUName()), Llvm.message(LLVMGetHostCPUFeatures()));
  }

  /**
   * An NVIDIA GPU of compute capability {@code sm} (e.g. sm_90). The PTX ISA is set explicitly:
   * LLVM's default is older than what recent GPUs need.
   */
  public static TargetSpec nvptx(String sm) {
    if (!SM.matcher(sm).matches()) {
      throw new BackendException("--gpu must name a compute capability like sm_90, got '" + sm + "'");
    }
    int cc = Integer.parseInt(sm.replaceAll("[^0-9]", ""));
    String ptx = cc >= 100 ? "+ptx86" : cc >= 90 ? "+ptx80" : cc >= 80 ? "+ptx70" : "+ptx60";
    return new TargetSpec("nvptx64-nvidia-cuda", sm, ptx);
  }

  public boolean isGpu() {
    return triple.startsWith("nvptx");
  }

  /** Bytes per SIMD register the kernels tile for: 64 with AVX-512, 32 with AVX, 16 otherwise. */
  public int vectorBytes() {
    if (features.contains("+avx512f")) {
      return 64;
    }
    return features.contains("+avx") ? 32 : 16;
  }
}
