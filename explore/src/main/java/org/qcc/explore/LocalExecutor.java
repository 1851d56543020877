// The default executor: a pool of threads in this process.
package org.qcc.explore;

import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/** {@code jobs} points at a time on one shared pool; confirmations run on the calling thread. */
public final class LocalExecutor implements PointExecutor {
  private final PointEvaluator evaluator;
  private final FrontConfirmer confirmer;
  private final int jobs;
  private final ExecutorService pool;

  /** {@code confirmer}: null when the sweep confirms nothing. */
  public LocalExecutor(PointEvaluator evaluator, int jobs, FrontConfirmer confirmer) {
    this.evaluator = evaluator;
    this.confirmer = confirmer;
    this.jobs = jobs;
    this.pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "qcc-explore");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public int parallelism() {
    return jobs;
  }

  @Override
  public String context() {
    return evaluator.context();
  }

  @Override
  public void evaluate(List<Point> points, Consumer<PointResult> done) {
    CompletionService<PointResult> finished = new ExecutorCompletionService<>(pool);
    points.forEach(p -> finished.submit(() -> evaluator.evaluate(p)));
    try {
      for (int i = 0; i < points.size(); i++) {
        done.accept(finished.take().get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted; the finished points are stored", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public Confirmation confirm(Point p) {
    if (confirmer == null) {
      throw new IllegalStateException("this executor was made without a confirmer");
    }
    return confirmer.confirm(p);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
