// Top-1 accuracy of a model on Fashion-MNIST on either backend.
package org.qcc.cli;

import java.io.PrintWriter;
import org.qcc.explore.TopOne;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.Graph;

/** {@link TopOne} on the interpreter or the LLVM JIT. */
final class Accuracy {
  private Accuracy() {}

  static TopOne.Result evaluate(Graph g, FashionMnist data, int limit, int batch, PrintWriter progress) {
    return evaluate(g, Backend.interp, data, limit, batch, progress);
  }

  static TopOne.Result evaluate(Graph g, Backend backend, FashionMnist data, int limit, int batch, PrintWriter progress) {
    TopOne.checkClassifier(g);
    try (Backend.Runner runner = backend.open(g)) {
      return TopOne.evaluate(g.name(), runner::run, data, limit, batch, progress);
    }
  }
}
