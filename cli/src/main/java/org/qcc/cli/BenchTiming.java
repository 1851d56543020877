// How the bench commands time an engine: warm-up, then the median of repeated runs.
package org.qcc.cli;

import java.util.ArrayList;
import java.util.List;

/** Runs of one batch each, timed after a warm-up. */
record BenchTiming(int runs, double medianMs) {
  interface Body {
    void run() throws Exception;
  }

  double imagesPerSecond(int batch) {
    return batch * 1000.0 / medianMs;
  }

  /** Warms up for a third of {@code seconds}, then takes the median of the runs in {@code seconds} (at least 3). */
  static BenchTiming measure(double seconds, Body body) throws Exception {
    long warmEnd = System.nanoTime() + (long) (seconds * 1e9 / 3);
    do {
      body.run();
    } while (System.nanoTime() < warmEnd);
    List<Double> ms = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    do {
      long t0 = System.nanoTime();
      body.run();
      ms.add((System.nanoTime() - t0) / 1e6);
    } while (System.nanoTime() < end || ms.size() < 3);
    ms.sort(null);
    return new BenchTiming(ms.size(), ms.get(ms.size() / 2));
  }
}
