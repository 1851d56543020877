// Representative inputs for passes that learn from data (calibrate, and later PTQ passes).
package org.qcc.passes;

import java.util.List;
import java.util.function.Consumer;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Tensor;

/**
 * Samples to run through a model, served in batches along the first axis. Implementations load
 * lazily so that a pipeline without data-driven passes never reads a dataset.
 */
public interface CalibrationData {
  /** Where the samples come from, for messages (a path or a dataset name). */
  String source();

  /** The number of samples available. */
  int count();

  /** Samples [from, from + n), one tensor per model input in the model's input order. */
  List<Tensor> batch(int from, int n);

  /**
   * Hands the first {@code samples} samples to {@code run} in batches of {@code batch}; a model
   * the samples do not fit (the interpreter rejects an input) is reported as exactly that.
   */
  default void forEachBatch(int samples, int batch, Consumer<List<Tensor>> run) {
    for (int from = 0; from < samples; from += batch) {
      try {
        run.accept(batch(from, Math.min(batch, samples - from)));
      } catch (DiagnosticException e) {
        throw new IllegalArgumentException("calibration data from " + source() + " does not fit the model: " + e.getMessage());
      }
    }
  }

  /** Samples served by {@code batches} (samples [from, from + n) per call), {@code count} of them, from {@code source}. */
  static CalibrationData of(String source, int count, java.util.function.BiFunction<Integer, Integer, List<Tensor>> batches) {
    return new CalibrationData() {
      @Override
      public String source() {
        return source;
      }

      @Override
      public int count() {
        return count;
      }

      @Override
      public List<Tensor> batch(int from, int n) {
        return batches.apply(from, n);
      }
    };
  }
}
