// Where `qcc run` and `qcc eval` execute a model.
package org.qcc.cli;

import java.util.List;
import org.qcc.backends.llvm.JitModel;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/** The golden interpreter, or native code JIT-compiled by LLVM for this CPU (bit-identical results). */
enum Backend {
  interp,
  llvm;

  /** A model ready to run batches. */
  interface Runner extends AutoCloseable {
    List<Tensor> run(List<Tensor> inputs);

    @Override
    void close();
  }

  Runner open(Graph g) {
    if (this == llvm) {
      JitModel jit = JitModel.compile(g);
      return new Runner() {
        @Override
        public List<Tensor> run(List<Tensor> inputs) {
          return jit.run(inputs);
        }

        @Override
        public void close() {
          jit.close();
        }
      };
    }
    Interpreter interp = new Interpreter(g);
    return new Runner() {
      @Override
      public List<Tensor> run(List<Tensor> inputs) {
        return interp.run(inputs);
      }

      @Override
      public void close() {}
    };
  }
}
