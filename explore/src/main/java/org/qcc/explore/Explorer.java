// Runs a sweep: evaluates the points not yet in the store on an executor, storing each as it finishes.
package org.qcc.explore;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A point already in the store is never evaluated again, so an interrupted sweep resumes where it
 * stopped. Thread-safe: a search may ask for points from several threads at once.
 */
public final class Explorer {
  /**
   * Called once per newly evaluated point, {@code elapsed} seconds after the explorer started;
   * {@code total} is the most evaluations the search may still ask for, plus those done.
   */
  public interface Listener {
    void finished(PointResult r, int done, int total, double elapsed);
  }

  private final PointExecutor executor;
  private final ResultsStore store;
  private final String versions;
  private final Listener listener;
  private final Map<String, PointResult> known = new ConcurrentHashMap<>();
  private final long start = System.nanoTime();
  private int evaluated;
  private int budget;

  public Explorer(PointExecutor executor, ResultsStore store, String versions, Listener listener) {
    this.executor = executor;
    this.store = store;
    this.versions = versions;
    this.listener = listener;
    store.points().forEach(r -> known.put(r.id(), r));
  }

  /** Points evaluated at once. */
  public int jobs() {
    return executor.parallelism();
  }

  /** The points of {@code points} that are not stored yet, each once. */
  public List<Point> pending(List<Point> points) {
    String context = executor.context();
    return points.stream().filter(p -> !known.containsKey(p.id(context))).distinct().toList();
  }

  /** Announces how many evaluations are coming, for the progress line's count and time left. */
  public synchronized void expect(int evaluations) {
    budget = evaluated + evaluations;
  }

  /** The stored result of {@code p}, else evaluates and stores it. */
  public PointResult result(Point p) {
    String id = p.id(executor.context());
    if (!known.containsKey(id)) {
      executor.evaluate(List.of(p), this::record);
    }
    return stored(id);
  }

  /** Every point's result, evaluating the missing ones on the executor; in the order given. */
  public List<PointResult> run(List<Point> points) {
    List<Point> pending = pending(points);
    expect(pending.size());
    executor.evaluate(pending, this::record);
    String context = executor.context();
    return points.stream().distinct().map(p -> stored(p.id(context))).toList();
  }

  private PointResult stored(String id) {
    PointResult r = known.get(id);
    if (r == null) {
      throw new IllegalStateException("the executor returned no result for point " + id);
    }
    return r;
  }

  private void record(PointResult r) {
    store.put(r, versions);
    known.put(r.id(), r);
    synchronized (this) {
      evaluated++;
      budget = Math.max(budget, evaluated);
      listener.finished(r, evaluated, budget, (System.nanoTime() - start) / 1e9);
    }
  }
}
