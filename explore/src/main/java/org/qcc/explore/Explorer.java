// Runs a sweep: evaluates the points not yet in the store, in parallel, storing each as it finishes.
package org.qcc.explore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A point already in the store is never evaluated again, so an interrupted sweep resumes where it
 * stopped; {@link #run} returns the results of every point asked for, stored or new.
 */
public final class Explorer {
  /** Called once per newly finished point, from the thread that runs the sweep. */
  public interface Listener {
    void finished(PointResult r, int done, int total, double secondsLeft);
  }

  private final PointEvaluator evaluator;
  private final ResultsStore store;
  private final String versions;
  private final int jobs;
  private final Listener listener;

  public Explorer(PointEvaluator evaluator, ResultsStore store, String versions, int jobs, Listener listener) {
    this.evaluator = evaluator;
    this.store = store;
    this.versions = versions;
    this.jobs = jobs;
    this.listener = listener;
  }

  /** The ids of {@code points} that are not stored yet. */
  public List<Point> pending(List<Point> points) {
    Set<String> done = store.finishedIds();
    String context = evaluator.context();
    return points.stream().filter(p -> !done.contains(p.id(context))).distinct().toList();
  }

  public List<PointResult> run(List<Point> points) {
    List<Point> todo = pending(points);
    if (!todo.isEmpty()) {
      evaluate(todo);
    }
    Map<String, PointResult> byId = new LinkedHashMap<>();
    store.points().forEach(r -> byId.put(r.id(), r));
    String context = evaluator.context();
    List<PointResult> out = new ArrayList<>();
    for (Point p : points) {
      PointResult r = byId.get(p.id(context));
      if (r != null && !out.contains(r)) {
        out.add(r);
      }
    }
    return out;
  }

  private void evaluate(List<Point> todo) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, todo.size()), r -> {
      Thread t = new Thread(r, "qcc-explore");
      t.setDaemon(true);
      return t;
    });
    try {
      ExecutorCompletionService<PointResult> finished = new ExecutorCompletionService<>(pool);
      todo.forEach(p -> finished.submit(() -> evaluator.evaluate(p)));
      long start = System.nanoTime();
      for (int done = 1; done <= todo.size(); done++) {
        Future<PointResult> f = finished.take();
        PointResult r = f.get();
        store.put(r, versions);
        double elapsed = (System.nanoTime() - start) / 1e9;
        listener.finished(r, done, todo.size(), elapsed / done * (todo.size() - done));
      }
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
