// The streaming accelerator's schedule: one stage per layer, what the RTL generator and the cycle-level model both follow.
package org.qcc.simulator.cycle;

import java.util.List;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.formats.ElementFormats;

/**
 * A chain of layer stages, each a matrix-vector unit folded by PE and SIMD, with its sliding
 * windows, pooling, float path and requantization (see hw-models' LayerChain, which this mirrors).
 * The first stage takes the input image's codes, {@code simd} per beat; the last emits {@code pe}
 * sums per beat. Checked on construction: a stage's SIMD must equal the previous stage's PE, so
 * streams match in width, and a residual add must take an earlier stage's fork that streams alike.
 */
public record Dataflow(List<Stage> stages) {
  /** Beats a two-place queue holds: between a threshold unit and the next layer, and inside the window, pool and global-pool units. */
  public static final int STREAM_QUEUE = 2;

  /** Beats of results the matrix-vector unit's output queue holds. */
  public static final int RESULT_QUEUE = 4;

  public Dataflow {
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new DiagnosticException("dataflow", "a dataflow graph needs at least one stage");
    }
    for (int i = 1; i < stages.size(); i++) {
      Stage x = stages.get(i - 1);
      Stage y = stages.get(i);
      if (y.simd() != x.pe()) {
        throw new DiagnosticException(y.name(), "its SIMD " + y.simd() + " does not match the PE " + x.pe() + " of " + x.name() + ", which streams into it");
      }
    }
    for (int i = 0; i < stages.size(); i++) {
      Stage s = stages.get(i);
      int from = s.residualFrom();
      if (from >= 0) {
        if (from >= i || !stages.get(from).fork()) {
          throw new DiagnosticException(s.name(), "it adds the values of stage " + from + ", which is not an earlier stage that forks them");
        }
        Stage f = stages.get(from);
        if (f.pe() != s.pe() || f.outputBeats() != s.outputBeats()) {
          throw new DiagnosticException(s.name(), "it adds the values of " + f.name() + ", which streams " + f.outputBeats() + " beats of " + f.pe() + " where it streams " + s.outputBeats() + " of " + s.pe());
        }
      }
    }
  }

  /**
   * A convolution's input windows: the image, kernel, strides, padding above and to the left, and
   * the output's size (hw-models' ConvWindow).
   */
  public record Window(int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft, int outH, int outW) {
    /** Rows the window unit's ring holds: a window's rows and the next stride's, at most the image's. */
    public int ringRows() {
      return Math.min(height, kernelH + strideH);
    }
  }

  /** Max pooling of a {@code height x width} image of {@code channels} by {@code kernel x kernel} windows with stride {@code kernel}. */
  public record Pool(int height, int width, int channels, int kernel) {
    public int outH() {
      return height / kernel;
    }

    public int outW() {
      return width / kernel;
    }
  }

  /**
   * What a stage computes with: its input and weight formats (qcc's names), its accumulator's bits,
   * N:M sparsity along its inputs ({@code keptN} of every {@code groupM}; 0 and 0 when dense), and
   * the bits of the codes it requantizes to (0 for the last stage, which emits sums), and the bits
   * of the shift each beat of block-scaled weights carries (0 for other weights).
   */
  public record Arithmetic(String dataFormat, String weightFormat, int accumulatorBits, int keptN, int groupM, int outputBits, int beatShiftBits) {
    public Arithmetic(String dataFormat, String weightFormat, int accumulatorBits, int keptN, int groupM, int outputBits) {
      this(dataFormat, weightFormat, accumulatorBits, keptN, groupM, outputBits, 0);
    }

    public boolean sparse() {
      return groupM > 0;
    }
  }

  /**
   * One layer: a {@code rows x cols} matrix-vector unit folded by {@code pe} and {@code simd}, over
   * a convolution's {@code window} and with a {@code pool} after it (each null when none). Unless
   * it is the {@code last} stage, a threshold unit requantizes its outputs, its search registered
   * halfway when it has {@code thresholdStages} 1. Given {@code floatPath}, the outputs become fp32
   * values first, which may add stage {@code residualFrom}'s values (else -1), {@code fork} to a
   * later stage's add through a queue of {@code forkDepth} beats, and sum over {@code
   * globalPixels} pixels (else 0) before the thresholds. {@code arithmetic} says what it computes
   * with, which timing does not depend on; {@code spramBlocks}, the single-port RAMs its weights
   * are loaded into at start-up (0: they are built in).
   */
  public record Stage(String name, int rows, int cols, int pe, int simd, Window window, Pool pool, boolean last, int thresholdStages, boolean floatPath, int residualFrom, boolean fork, int forkDepth, int globalPixels, Arithmetic arithmetic, int spramBlocks) {
    /** A stage whose weights are built in. */
    public Stage(String name, int rows, int cols, int pe, int simd, Window window, Pool pool, boolean last, int thresholdStages, boolean floatPath, int residualFrom, boolean fork, int forkDepth, int globalPixels, Arithmetic arithmetic) {
      this(name, rows, cols, pe, simd, window, pool, last, thresholdStages, floatPath, residualFrom, fork, forkDepth, globalPixels, arithmetic, 0);
    }

    public Stage {
      if (fork && forkDepth < 1) {
        throw new DiagnosticException(name, "its residual queue needs at least one place, got " + forkDepth);
      }
      if (pe < 1 || rows % pe != 0) {
        throw new DiagnosticException(name, "PE " + pe + " does not divide its " + rows + " rows");
      }
      if (simd < 1 || cols % simd != 0 || window != null && window.channels() % simd != 0) {
        throw new DiagnosticException(name, "SIMD " + simd + " does not divide its " + (window == null ? cols + " columns" : window.channels() + " channels"));
      }
      if (pool != null && pool.channels() % pe != 0) {
        throw new DiagnosticException(name, "PE " + pe + " does not divide its pool's " + pool.channels() + " channels");
      }
    }

    /** Dot products per image: a convolution's output pixels, else one. */
    public int vectors() {
      return Dataflow.vectors(window);
    }

    /** What the stage computes with; a stage from a manifest written before qcc recorded it is an error saying so. */
    public Arithmetic requireArithmetic() {
      if (arithmetic == null) {
        throw new DiagnosticException(name, "the stage does not say what it computes with (compile the design again)");
      }
      return arithmetic;
    }

    /** Multipliers per PE: one per input of a beat, or with N:M sparsity one per kept weight. */
    public int lanes() {
      return arithmetic != null && arithmetic.sparse() ? simd / arithmetic.groupM() * arithmetic.keptN() : simd;
    }

    /** Cycles per image when the output keeps up: every vector's neuron folds times synapse folds. */
    public long cyclesPerImage() {
      return Dataflow.cyclesPerImage(rows, cols, pe, simd, window);
    }

    /** Beats of the (pooled) output per image. */
    public int outputBeats() {
      return Dataflow.outputBeats(rows, pe, window, pool);
    }

    /** This stage with a residual queue of {@code depth} beats. */
    public Stage withForkDepth(int depth) {
      return new Stage(name, rows, cols, pe, simd, window, pool, last, thresholdStages, floatPath, residualFrom, fork, depth, globalPixels, arithmetic, spramBlocks);
    }

    /** This stage with its weights loaded into {@code blocks} single-port RAMs. */
    public Stage withSpramBlocks(int blocks) {
      return new Stage(name, rows, cols, pe, simd, window, pool, last, thresholdStages, floatPath, residualFrom, fork, forkDepth, globalPixels, arithmetic, blocks);
    }

    /** Lines in each PE's weight memory: one per (neuron fold, synapse fold). */
    public long weightLines() {
      return (long) (rows / pe) * (cols / simd);
    }

    /** Bits of a weight line: each lane's weight code and (N:M sparse) its position in its group, then the beat's shift. */
    public int weightLineBits() {
      Arithmetic a = requireArithmetic();
      int positionBits = a.sparse() ? Math.max(1, 32 - Integer.numberOfLeadingZeros(a.groupM() - 1)) : 0;
      return lanes() * (ElementFormats.scalar(a.weightFormat()).bits() + positionBits) + a.beatShiftBits();
    }

    /** Beats of input per image: the image's pixels' channels, or the vector's columns. */
    public int inputBeats() {
      return window == null ? cols / simd : window.height() * window.width() * window.channels() / simd;
    }
  }

  /** Dot products per image over {@code window}'s output pixels; one without a window. */
  public static int vectors(Window window) {
    return window == null ? 1 : window.outH() * window.outW();
  }

  /** Cycles per image of a {@code rows x cols} unit folded by {@code pe} and {@code simd} over {@code window}, when its output keeps up. */
  public static long cyclesPerImage(int rows, int cols, int pe, int simd, Window window) {
    return (long) vectors(window) * (rows / pe) * (cols / simd);
  }

  /** Beats per image out of a layer of {@code rows} outputs at PE {@code pe}, over {@code window}'s pixels (one without), pooled by {@code pool} (none when null). */
  public static int outputBeats(int rows, int pe, Window window, Pool pool) {
    int pixels = pool != null ? pool.outH() * pool.outW() : vectors(window);
    return pixels * rows / pe;
  }

  /** The stage that sets the pace when every output keeps up: the most cycles per image. */
  public Stage slowest() {
    Stage s = stages.get(0);
    for (Stage t : stages) {
      if (t.cyclesPerImage() > s.cyclesPerImage()) {
        s = t;
      }
    }
    return s;
  }
}
