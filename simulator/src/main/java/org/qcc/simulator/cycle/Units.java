// The control state of the generated stream units, register for register: what decides when beats move.
package org.qcc.simulator.cycle;

/**
 * Each class holds the registers of one hw-models unit that decide its handshakes, and none of
 * its data: timing in these designs never depends on values. A cycle is evaluated as the RTL is:
 * readies and valids from the registers and the neighbours' signals, then {@code clock} updates
 * the registers from what fired, with Chisel's rule that the last assignment in a cycle wins.
 */
final class Units {
  private Units() {}

  /** Collects a unit's registers, to recognise a state the chain has been in before. */
  interface State {
    void add(int register);

    default void add(boolean register) {
      add(register ? 1 : 0);
    }
  }

  /** Chisel's WrapCounter: counts steps modulo {@code n}. */
  static final class Wrap {
    final int n;
    int value;

    Wrap(int n) {
      this.n = n;
    }

    /** Counts a step when {@code step}, and says whether it wrapped. */
    boolean step(boolean step) {
      boolean wraps = step && value == n - 1;
      if (step) {
        value = wraps ? 0 : value + 1;
      }
      return wraps;
    }
  }

  /** Chisel's Queue (neither pipe nor flow): ready while not full, valid while not empty. */
  static final class Fifo {
    final int capacity;
    int count;
    boolean enq;
    boolean deq;

    Fifo(int capacity) {
      this.capacity = capacity;
    }

    boolean canTake() {
      return count < capacity;
    }

    boolean hasData() {
      return count > 0;
    }

    void save(State s) {
      s.add(count);
    }

    void clock() {
      count += (enq ? 1 : 0) - (deq ? 1 : 0);
      enq = false;
      deq = false;
    }
  }

  /**
   * MatrixVectorUnit: two input buffers, the folds' position (sf, nf), the dot-product units'
   * result register ({@code inFlight}) and the result queue, whose free places count those in
   * flight.
   */
  static final class MatrixVector {
    final int neuronFolds;
    final int synapseFolds;
    final Fifo results = new Fifo(Dataflow.RESULT_QUEUE);
    final boolean[] full = new boolean[2];
    int writeBank;
    int written;
    int readBank;
    int sf;
    int nf;
    boolean inFlight;
    // This cycle's decisions.
    boolean inFire;
    boolean fire;
    long fires;

    MatrixVector(int rows, int cols, int pe, int simd) {
      neuronFolds = rows / pe;
      synapseFolds = cols / simd;
    }

    boolean inReady() {
      return !full[writeBank];
    }

    void save(State s) {
      s.add(full[0]);
      s.add(full[1]);
      s.add(writeBank);
      s.add(written);
      s.add(readBank);
      s.add(sf);
      s.add(nf);
      s.add(inFlight);
      results.save(s);
    }

    /** Decides this cycle's moves given the input's valid. */
    void step(boolean inValid) {
      inFire = inValid && inReady();
      boolean filling = writeBank == readBank && !full[readBank];
      boolean stored = full[readBank] || filling && written > sf;
      boolean arriving = filling && written == sf && inValid;
      boolean closing = sf == synapseFolds - 1;
      boolean room = results.count + (inFlight ? 1 : 0) < results.capacity;
      fire = (stored || arriving) && (!closing || room);
    }

    void clock() {
      if (inFire) {
        boolean complete = written == synapseFolds - 1;
        written = complete ? 0 : written + 1;
        if (complete) {
          full[writeBank] = true;
          writeBank ^= 1;
        }
      }
      boolean closing = sf == synapseFolds - 1;
      if (fire) {
        fires++;
        boolean done = closing && nf == neuronFolds - 1;
        sf = closing ? 0 : sf + 1;
        if (done) {
          nf = 0;
          full[readBank] = false;
          readBank ^= 1;
        } else if (closing) {
          nf++;
        }
      }
      results.enq = inFlight;
      results.clock();
      inFlight = fire && closing;
    }
  }

  /**
   * SlidingWindowUnit: the ring of held rows, the window position ({@code top}, {@code left} and
   * the kernel and output counters), the rows' release and the output queue.
   */
  static final class SlidingWindow {
    final Dataflow.Window w;
    final int slots;
    final Fifo out = new Fifo(Dataflow.STREAM_QUEUE);
    final Wrap inBeat;
    final Wrap inCol;
    final Wrap beat;
    final Wrap kx;
    final Wrap ky;
    final Wrap ox;
    final Wrap oy;
    int held;
    int top;
    int left;
    int baseRow;
    boolean draining;
    boolean inFire;
    boolean emit;
    boolean release;

    SlidingWindow(Dataflow.Window w, int simd) {
      this.w = w;
      slots = w.ringRows();
      int beats = w.channels() / simd;
      inBeat = new Wrap(beats);
      inCol = new Wrap(w.width());
      beat = new Wrap(beats);
      kx = new Wrap(w.kernelW());
      ky = new Wrap(w.kernelH());
      ox = new Wrap(w.outW());
      oy = new Wrap(w.outH());
      top = -w.padTop();
      left = -w.padLeft();
    }

    boolean inReady() {
      return held < slots;
    }

    void save(State s) {
      for (Wrap c : new Wrap[] {inBeat, inCol, beat, kx, ky, ox, oy}) {
        s.add(c.value);
      }
      s.add(held);
      s.add(top);
      s.add(left);
      s.add(baseRow);
      s.add(draining);
      out.save(s);
    }

    void step(boolean inValid) {
      inFire = inValid && inReady();
      int firstRow = Math.max(top, 0);
      int needFrom = draining ? w.height() : firstRow;
      release = baseRow < needFrom && held != 0;
      int lastRow = Math.min(top + w.kernelH() - 1, w.height() - 1);
      boolean ready = !draining && baseRow <= firstRow && held >= lastRow - baseRow + 1;
      emit = ready && out.canTake();
      out.enq = emit;
    }

    void clock() {
      boolean rowDone = inCol.step(inBeat.step(inFire));
      boolean windowDone = ky.step(kx.step(beat.step(emit)));
      boolean outRowDone = ox.step(windowDone);
      boolean imageDone = oy.step(outRowDone);
      boolean wasDraining = draining;
      int wasBaseRow = baseRow;
      if (windowDone) {
        left += w.strideW();
      }
      if (outRowDone) {
        left = -w.padLeft();
        top += w.strideH();
      }
      if (imageDone) {
        top = -w.padTop();
        draining = true;
      }
      if (release) {
        baseRow++;
      }
      if (wasDraining && wasBaseRow == w.height()) {
        draining = false;
        baseRow = 0;
      }
      held += (rowDone ? 1 : 0) - (release ? 1 : 0);
      out.clock();
    }

    /** Whether a release or the end of a drain changes the ring without a beat moving. */
    boolean moves() {
      return release || draining && baseRow == w.height();
    }
  }

  /** MaxPoolUnit: the input's position in the image and in its window, and the output queue. */
  static final class MaxPool {
    final Dataflow.Pool p;
    final Fifo out = new Fifo(Dataflow.STREAM_QUEUE);
    final Wrap beat;
    final Wrap x;
    final Wrap y;
    int wx;
    int wy;
    boolean inFire;

    MaxPool(Dataflow.Pool p, int pe) {
      this.p = p;
      beat = new Wrap(p.channels() / pe);
      x = new Wrap(p.width());
      y = new Wrap(p.height());
    }

    private boolean emits() {
      boolean inside = x.value < p.outW() * p.kernel() && y.value < p.outH() * p.kernel();
      return inside && wx == p.kernel() - 1 && wy == p.kernel() - 1;
    }

    boolean inReady() {
      return !emits() || out.canTake();
    }

    void save(State s) {
      s.add(beat.value);
      s.add(x.value);
      s.add(y.value);
      s.add(wx);
      s.add(wy);
      out.save(s);
    }

    void step(boolean inValid) {
      out.enq = inValid && emits() && out.canTake();
      inFire = inValid && inReady();
    }

    void clock() {
      boolean pixel = beat.step(inFire);
      boolean rowDone = x.step(pixel);
      boolean imageDone = y.step(rowDone);
      int k = p.kernel();
      if (pixel) {
        wx = wx == k - 1 ? 0 : wx + 1;
      }
      if (rowDone) {
        wx = 0;
        wy = wy == k - 1 || imageDone ? 0 : wy + 1;
      }
      out.clock();
    }
  }

  /** GlobalPoolUnit: the input's beat and pixel, and the output queue that takes the last pixel's sums. */
  static final class GlobalPool {
    final Fifo out = new Fifo(Dataflow.STREAM_QUEUE);
    final Wrap beat;
    final Wrap pixel;
    boolean inFire;

    GlobalPool(int channels, int pe, int pixels) {
      beat = new Wrap(channels / pe);
      pixel = new Wrap(pixels);
    }

    private boolean lastPixel() {
      return pixel.value == pixel.n - 1;
    }

    boolean inReady() {
      return !lastPixel() || out.canTake();
    }

    void save(State s) {
      s.add(beat.value);
      s.add(pixel.value);
      out.save(s);
    }

    void step(boolean inValid) {
      inFire = inValid && inReady();
      out.enq = inFire && lastPixel();
    }

    void clock() {
      pixel.step(beat.step(inFire));
      out.clock();
    }
  }

  /** StallingPipeline of a ThresholdUnit: no register (ready and valid pass through) or one. */
  static final class Threshold {
    final int stages;
    boolean full;
    boolean advance;
    boolean inValid;

    Threshold(int stages) {
      this.stages = stages;
    }

    boolean inReady(boolean outReady) {
      return stages == 0 ? outReady : !full || outReady;
    }

    boolean outValid(boolean inValid) {
      return stages == 0 ? inValid : full;
    }

    void save(State s) {
      s.add(full);
    }

    void clock() {
      if (stages > 0 && advance) {
        full = inValid;
      }
    }
  }
}
