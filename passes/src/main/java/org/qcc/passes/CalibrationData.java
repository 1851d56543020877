// Representative inputs for passes that learn from data (calibrate, and later PTQ passes).
package org.qcc.passes;

import java.util.List;
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
}
