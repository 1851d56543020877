// Where `qcc run` and `qcc eval` execute a model.
package org.qcc.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.qcc.backends.llvm.JitModel;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/** The golden interpreter, or native code JIT-compiled by LLVM for this CPU (bit-identical results). */
enum Backend {
  interp,
  llvm;

  /**
   * A model ready to run batches. Inputs by name are checked (names, types, shapes) by the
   * interpreter for either backend; the JIT takes what passes.
   */
  static final class Runner implements AutoCloseable {
    private final Graph graph;
    private final Interpreter check;
    private final UnaryOperator<List<Tensor>> batch;
    private final Runnable release;

    private Runner(Graph graph, Interpreter check, UnaryOperator<List<Tensor>> batch, Runnable release) {
      this.graph = graph;
      this.check = check;
      this.batch = batch;
      this.release = release;
    }

    /** Inputs and outputs in graph order. */
    List<Tensor> run(List<Tensor> inputs) {
      return batch.apply(inputs);
    }

    /** Inputs and outputs by name. */
    Map<String, Tensor> run(Map<String, Tensor> inputs) {
      List<Tensor> outs = batch.apply(check.checkedInputs(inputs));
      Map<String, Tensor> named = new LinkedHashMap<>();
      for (int i = 0; i < outs.size(); i++) {
        named.put(graph.outputs().get(i).name(), outs.get(i));
      }
      return named;
    }

    @Override
    public void close() {
      release.run();
    }
  }

  Runner open(Graph g) {
    Interpreter interp = new Interpreter(g);
    if (this == llvm) {
      JitModel jit = JitModel.compile(g);
      return new Runner(g, interp, jit::run, jit::close);
    }
    return new Runner(g, interp, interp::run, () -> {});
  }
}
