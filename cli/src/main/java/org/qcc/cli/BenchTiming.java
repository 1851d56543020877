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
    return alternating(seconds, List.of(body)).get(0);
  }

  /**
   * Times several engines in turns for {@code seconds} in all, after a warm-up of a third of that:
   * rounds of a slice of {@value #SLICE_SECONDS} s per engine, so a slow spell on a shared machine
   * slows every engine alike and their ratio stays fair. Each slice's first run is not counted: it
   * shares the processors with the previous engine's idle worker threads, which spin for a while
   * (ONNX Runtime's do). One median per body, in order.
   */
  static List<BenchTiming> alternating(double seconds, List<Body> bodies) throws Exception {
    long warmEnd = System.nanoTime() + (long) (seconds * 1e9 / 3);
    do {
      for (Body b : bodies) {
        b.run();
      }
    } while (System.nanoTime() < warmEnd);
    List<List<Double>> ms = new ArrayList<>();
    bodies.forEach(b -> ms.add(new ArrayList<>()));
    long end = System.nanoTime() + (long) (seconds * 1e9);
    do {
      for (int i = 0; i < bodies.size(); i++) {
        bodies.get(i).run();
        long sliceEnd = System.nanoTime() + (long) (SLICE_SECONDS * 1e9);
        do {
          long t0 = System.nanoTime();
          bodies.get(i).run();
          ms.get(i).add((System.nanoTime() - t0) / 1e6);
        } while (System.nanoTime() < sliceEnd);
      }
    } while (System.nanoTime() < end || ms.get(0).size() < 3);
    List<BenchTiming> timings = new ArrayList<>();
    for (List<Double> m : ms) {
      m.sort(null);
      timings.add(new BenchTiming(m.size(), m.get(m.size() / 2)));
    }
    return timings;
  }

  private static final double SLICE_SECONDS = 0.25;
}
