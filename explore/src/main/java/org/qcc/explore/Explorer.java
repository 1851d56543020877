// Runs a sweep: evaluates the points not yet in the store, in parallel, storing each as it finishes.
package org.qcc.explore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

  private final PointEvaluator evaluator;
  private final ResultsStore store;
  private final String versions;
  private final int jobs;
  private final Listener listener;
  private final Map<String, PointResult> known = new ConcurrentHashMap<>();
  private final long start = System.nanoTime();
  private int evaluated;
  private int budget;

  public Explorer(PointEvaluator evaluator, ResultsStore store, String versions, int jobs, Listener listener) {
    this.evaluator = evaluator;
    this.store = store;
    this.versions = versions;
    this.jobs = jobs;
    this.listener = listener;
    store.points().forEach(r -> known.put(r.id(), r));
  }

  public int jobs() {
    return jobs;
  }

  /** The points of {@code points} that are not stored yet, each once. */
  public List<Point> pending(List<Point> points) {
    String context = evaluator.context();
    return points.stream().filter(p -> !known.containsKey(p.id(context))).distinct().toList();
  }

  /** Announces how many evaluations are coming, for the progress line's count and time left. */
  public synchronized void expect(int evaluations) {
    budget = evaluated + evaluations;
  }

  /** The stored result of {@code p}, else evaluates and stores it. */
  public PointResult result(Point p) {
    String id = p.id(evaluator.context());
    PointResult r = known.get(id);
    if (r != null) {
      return r;
    }
    r = evaluator.evaluate(p);
    store.put(r, versions);
    known.put(id, r);
    synchronized (this) {
      evaluated++;
      budget = Math.max(budget, evaluated);
      listener.finished(r, evaluated, budget, (System.nanoTime() - start) / 1e9);
    }
    return r;
  }

  /** Every point's result, evaluating the missing ones {@link #jobs} at a time; in the order given. */
  public List<PointResult> run(List<Point> points) {
    expect(pending(points).size());
    ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "qcc-explore");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<PointResult>> futures = new ArrayList<>();
      for (Point p : points.stream().distinct().toList()) {
        futures.add(pool.submit(() -> result(p)));
      }
      List<PointResult> out = new ArrayList<>();
      for (Future<PointResult> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted; the finished points are stored", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }
}
