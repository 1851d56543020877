// Top-1 accuracy of a classifier on Fashion-MNIST, batch by batch with progress.
package org.qcc.explore;

import java.io.PrintWriter;
import java.util.List;
import java.util.function.UnaryOperator;
import org.qcc.frontend.data.FashionMnist;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.simulator.functional.Interpreter;

/** Evaluates a classifier whose single input takes [N, 1, 28, 28] images in [0, 1]. */
public final class TopOne {
  public record Result(int correct, int total, double seconds, String dataset) {
    public double top1() {
      return total == 0 ? 0 : (double) correct / total;
    }
  }

  private TopOne() {}

  /** On the golden interpreter. */
  public static Result evaluate(Graph g, FashionMnist data, int limit, int batch, PrintWriter progress) {
    checkClassifier(g);
    return evaluate(g.name(), new Interpreter(g)::run, data, limit, batch, progress);
  }

  /** A model needs one input and one output to be scored. */
  public static void checkClassifier(Graph g) {
    if (g.inputs().size() != 1 || g.outputs().size() != 1) {
      throw new DiagnosticException(g.name(), "eval needs a model with one input and one output");
    }
  }

  /** With {@code run} mapping a batch of inputs to the model's outputs, the logits first. */
  public static Result evaluate(String model, UnaryOperator<List<Tensor>> run, FashionMnist data, int limit, int batch, PrintWriter progress) {
    int total = limit > 0 ? Math.min(limit, data.count()) : data.count();
    int correct = 0;
    long start = System.nanoTime();
    for (int from = 0; from < total; from += batch) {
      int n = Math.min(batch, total - from);
      Tensor logits = run.apply(List.of(data.batch(from, n))).get(0);
      if (logits.rank() != 2 || logits.dim(0) != n) {
        throw new DiagnosticException(model, "expected logits of shape [" + n + ", classes], got " + logits.type());
      }
      int classes = logits.dim(1);
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
          if (logits.getDouble(i * classes + c) > logits.getDouble(i * classes + best)) {
            best = c;
          }
        }
        if (best == data.label(from + i)) {
          correct++;
        }
      }
      if (progress != null) {
        double secs = (System.nanoTime() - start) / 1e9;
        int done = from + n;
        progress.printf("\reval: %d/%d images, top-1 %.2f%%, %.0f images/s   ", done, total, 100.0 * correct / done, done / Math.max(secs, 1e-9));
        progress.flush();
      }
    }
    if (progress != null) {
      progress.println();
    }
    return new Result(correct, total, (System.nanoTime() - start) / 1e9, data.dir().toString());
  }
}
