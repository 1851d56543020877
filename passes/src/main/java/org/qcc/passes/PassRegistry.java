// Every pass qcc knows, by pipeline name.
package org.qcc.passes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.qcc.passes.canonical.Canonicalize;
import org.qcc.passes.canonical.DeadCodeElimination;
import org.qcc.passes.canonical.FoldBatchNorm;
import org.qcc.passes.canonical.FoldConstants;
import org.qcc.passes.canonical.FoldShapes;
import org.qcc.passes.canonical.FuseMatMulAdd;
import org.qcc.passes.canonical.InferShapes;
import org.qcc.passes.canonical.RemoveIdentity;
import org.qcc.passes.quant.Accumulators;
import org.qcc.passes.quant.BiasCorrect;
import org.qcc.passes.quant.Calibrate;
import org.qcc.passes.quant.Equalize;
import org.qcc.passes.quant.FromQonnx;
import org.qcc.passes.quant.Gptq;
import org.qcc.passes.quant.LearnedRound;
import org.qcc.passes.quant.Quantize;
import org.qcc.passes.quant.ReorderChannels;
import org.qcc.passes.quant.SmoothQuant;
import org.qcc.passes.quant.Sparsify;
import org.qcc.passes.quant.ToQonnx;

/** Pass declarations by name; {@link #standard()} holds the built-in ones. */
public final class PassRegistry {
  private static final PassRegistry STANDARD = createStandard();
  private final TreeMap<String, PassInfo> passes = new TreeMap<>();

  public static PassRegistry standard() {
    return STANDARD;
  }

  private static PassRegistry createStandard() {
    PassRegistry r = new PassRegistry();
    r.add(InferShapes.INFO);
    r.add(FoldConstants.INFO);
    r.add(FoldShapes.INFO);
    r.add(DeadCodeElimination.INFO);
    r.add(RemoveIdentity.INFO);
    r.add(FoldBatchNorm.INFO);
    r.add(FuseMatMulAdd.INFO);
    r.add(Canonicalize.INFO);
    r.add(Quantize.INFO);
    r.add(Calibrate.INFO);
    r.add(Accumulators.INFO);
    r.add(Sparsify.INFO);
    r.add(ReorderChannels.INFO);
    r.add(Equalize.INFO);
    r.add(BiasCorrect.INFO);
    r.add(SmoothQuant.INFO);
    r.add(Gptq.INFO);
    r.add(LearnedRound.INFO);
    r.add(ToQonnx.INFO);
    r.add(FromQonnx.INFO);
    return r;
  }

  public void add(PassInfo info) {
    if (passes.putIfAbsent(info.name(), info) != null) {
      throw new IllegalStateException("pass " + info.name() + " registered twice");
    }
  }

  public Optional<PassInfo> lookup(String name) {
    return Optional.ofNullable(passes.get(name));
  }

  public Collection<PassInfo> all() {
    return Collections.unmodifiableCollection(passes.values());
  }

  public List<String> names() {
    return new ArrayList<>(passes.keySet());
  }
}
