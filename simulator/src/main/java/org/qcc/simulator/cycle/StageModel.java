// One layer stage of the chain at cycle level: its units wired as LayerStage wires them.
package org.qcc.simulator.cycle;

import java.util.ArrayList;
import java.util.List;

/**
 * The units of one {@link Dataflow.Stage} and how a cycle moves beats through them: readies from
 * the output back ({@link #readies}), then valids from the input on ({@link #valids}), then the
 * registers ({@link #clock}).
 */
final class StageModel {
  final Dataflow.Stage stage;
  final Units.SlidingWindow window;
  final Units.MatrixVector mvu;
  final Units.Threshold threshold;
  final Units.MaxPool pool;
  final Units.GlobalPool global;
  /** The queue after the threshold unit; none when a rank pool follows it, whose queue is the output. */
  final Units.Fifo codes;
  /** The residual connection's queue, at the stage that forks its values. */
  final Units.Fifo skip;
  /** The earlier stage's fork this stage adds, or null. */
  final Units.Fifo addend;

  // This cycle's readies, from the output back.
  boolean inReady;
  private boolean outReady;
  private boolean thresholdOutReady;
  private boolean resultsReady;
  private boolean addOutReady;
  private boolean forkReady;
  private boolean poolOutReady;
  private boolean globalOutReady;
  /** This cycle's output valid, and whether the stage took an input beat. */
  boolean outValid;
  boolean inFire;

  StageModel(Dataflow.Stage s, List<StageModel> earlier) {
    stage = s;
    window = s.window() == null ? null : new Units.SlidingWindow(s.window(), s.simd());
    mvu = new Units.MatrixVector(s.rows(), s.cols(), s.pe(), s.simd());
    threshold = s.last() ? null : new Units.Threshold(s.thresholdStages());
    pool = s.pool() == null || s.last() ? null : new Units.MaxPool(s.pool(), s.pe());
    global = s.floatPath() && s.globalPixels() > 0 ? new Units.GlobalPool(s.rows(), s.pe(), s.globalPixels()) : null;
    codes = s.last() || pool != null && !s.floatPath() ? null : new Units.Fifo(Dataflow.STREAM_QUEUE);
    skip = s.floatPath() && s.fork() ? new Units.Fifo(s.forkDepth()) : null;
    addend = s.floatPath() && s.residualFrom() >= 0 ? earlier.get(s.residualFrom()).skip : null;
  }

  /** The stage's readies, given whether what follows takes its output beat. */
  void readies(boolean downstreamReady) {
    outReady = downstreamReady;
    if (threshold == null) {
      resultsReady = downstreamReady;
    } else if (!stage.floatPath()) {
      thresholdOutReady = pool != null ? pool.inReady() : codes.canTake();
      poolOutReady = downstreamReady;
      resultsReady = threshold.inReady(thresholdOutReady);
    } else {
      thresholdOutReady = codes.canTake();
      boolean ready = threshold.inReady(thresholdOutReady);
      if (global != null) {
        globalOutReady = ready;
        ready = global.inReady();
      }
      if (skip != null) {
        forkReady = ready;
        ready = ready && skip.canTake();
      }
      if (pool != null) {
        poolOutReady = ready;
        ready = pool.inReady();
      }
      if (addend != null) {
        addOutReady = ready;
        ready = ready && addend.hasData();
      }
      resultsReady = ready;
    }
    inReady = window != null ? window.inReady() : mvu.inReady();
  }

  /** The stage's moves, given whether its input offers a beat; sets {@link #outValid}. */
  void valids(boolean inValid) {
    boolean mvuValid = inValid;
    if (window != null) {
      window.step(inValid);
      mvuValid = window.out.hasData();
    }
    mvu.step(mvuValid);
    if (window != null) {
      window.out.deq = mvuValid && mvu.inReady();
      inFire = window.inFire;
    } else {
      inFire = mvu.inFire;
    }
    boolean v = mvu.results.hasData();
    mvu.results.deq = v && resultsReady;
    if (threshold == null) {
      outValid = v;
      return;
    }
    if (stage.floatPath()) {
      if (addend != null) {
        boolean skipValid = addend.hasData();
        addend.deq = skipValid && addOutReady && v;
        v = v && skipValid;
      }
      if (pool != null) {
        pool.step(v);
        v = pool.out.hasData();
        pool.out.deq = v && poolOutReady;
      }
      if (skip != null) {
        skip.enq = v && forkReady && skip.canTake();
        v = v && skip.canTake();
      }
      if (global != null) {
        global.step(v);
        v = global.out.hasData();
        global.out.deq = v && globalOutReady;
      }
    }
    threshold.inValid = v;
    threshold.advance = threshold.inReady(thresholdOutReady);
    boolean thresholded = threshold.outValid(v);
    if (codes == null) {
      pool.step(thresholded);
      outValid = pool.out.hasData();
      pool.out.deq = outValid && poolOutReady;
    } else {
      codes.enq = thresholded && codes.canTake();
      outValid = codes.hasData();
      codes.deq = outValid && outReady;
    }
  }

  void clock() {
    if (window != null) {
      window.clock();
    }
    mvu.clock();
    if (threshold != null) {
      threshold.clock();
    }
    if (pool != null) {
      pool.clock();
    }
    if (global != null) {
      global.clock();
    }
    if (codes != null) {
      codes.clock();
    }
    if (skip != null) {
      skip.clock();
    }
  }

  /** Adds the stage's registers to {@code s}. */
  void save(Units.State s) {
    mvu.save(s);
    for (Units.Fifo f : new Units.Fifo[] {codes, skip}) {
      if (f != null) {
        f.save(s);
      }
    }
    if (window != null) {
      window.save(s);
    }
    if (threshold != null) {
      threshold.save(s);
    }
    if (pool != null) {
      pool.save(s);
    }
    if (global != null) {
      global.save(s);
    }
  }

  /** What holds the stage up, for a deadlock report; empty when nothing does. */
  List<String> waits() {
    List<String> w = new ArrayList<>();
    if (!mvu.results.canTake()) {
      w.add("its results queue is full");
    }
    if (window != null && !window.inReady()) {
      w.add("its window ring is full");
    }
    if (window != null && window.inReady() && !window.out.hasData()) {
      w.add("its windows wait for input rows");
    }
    if (skip != null && !skip.canTake()) {
      w.add("its residual queue is full");
    }
    if (addend != null && !addend.hasData()) {
      w.add("it waits on its residual values");
    }
    return w;
  }
}
