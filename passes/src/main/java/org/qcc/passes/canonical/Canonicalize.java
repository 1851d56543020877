// canonicalize: the standard clean-up pipeline, as one pass.
package org.qcc.passes.canonical;

import java.util.List;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassManager;
import org.qcc.passes.PassRegistry;
import org.qcc.passes.PassResult;

/** A nested pass manager over a fixed pipeline; it repeats until nothing changes (at most 8 rounds). */
public final class Canonicalize {
  public static final String PIPELINE = "infer-shapes,remove-identity,fold-shapes,fold-constants,fold-batchnorm,fuse-matmul-add,dce";
  private static final int MAX_ROUNDS = 8;

  public static final PassInfo INFO =
      new PassInfo(
          "canonicalize",
          "Shape inference, identity removal, shape and constant folding, BatchNorm folding, MatMul+Add fusion, dce",
          "Runs " + PIPELINE + " until a round changes nothing. Every later pass expects canonical input.",
          List.of(),
          List.of("rounds"),
          o -> {
            PassManager pm = PassManager.build(PassRegistry.standard(), PIPELINE);
            return (g, ctx) -> {
              boolean changed = false;
              for (int round = 1; round <= MAX_ROUNDS; round++) {
                ctx.stat("rounds", 1);
                if (!pm.run(g, ctx).changed()) {
                  break;
                }
                changed = true;
              }
              return PassResult.of(changed);
            };
          });

  private Canonicalize() {}
}
