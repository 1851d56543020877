// Where `qcc run` and `qcc eval` execute a model.
package org.qcc.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** Inputs and outputs in graph order. */
    List<Tensor> run(List<Tensor> inputs);

    /** Inputs and outputs by name. */
    Map<String, Tensor> run(Map<String, Tensor> inputs);

    @Override
    void close();
  }

  Runner open(Graph g) {
    if (this == llvm) {
      JitModel jit = JitModel.compile(g);
      // The interpreter checks names, types and shapes; the JIT takes what passes its check.
      Interpreter check = new Interpreter(g);
      return new Runner() {
        @Override
        public List<Tensor> run(List<Tensor> inputs) {
          return jit.run(inputs);
        }

        @Override
        public Map<String, Tensor> run(Map<String, Tensor> inputs) {
          List<Tensor> ordered = check.checkedInputs(inputs);
          List<Tensor> outs = jit.run(ordered);
          Map<String, Tensor> named = new LinkedHashMap<>();
          for (int i = 0; i < outs.size(); i++) {
            named.put(g.outputs().get(i).name(), outs.get(i));
          }
          return named;
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
      public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        return interp.run(inputs);
      }

      @Override
      public void close() {}
    };
  }
}
