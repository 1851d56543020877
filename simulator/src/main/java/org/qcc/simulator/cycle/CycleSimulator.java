// The cycle-level model of a generated layer chain: cycles and latency as Verilator counts them, without the data.
package org.qcc.simulator.cycle;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a stream of images through a {@link Dataflow} cycle by cycle, as the co-simulation harness
 * runs the RTL: an input beat offered every cycle until the images are in, the output taken every
 * cycle (or, with back-pressure, two cycles in three), and the cycles counted up to the last
 * output beat. Only the registers that decide handshakes are modelled (see {@link Units}), so the
 * counts equal the RTL's at a fraction of its cost; and once the chain's registers repeat from one
 * image to the next, the images that would repeat them again are skipped whole, so a long stream
 * costs little more than its first images and its last.
 *
 * <p>Every run is bounded: when no beat enters or leaves the chain for longer than any image can
 * take, the run stops with a {@link DeadlockException} naming the stages that hold it up.
 */
public final class CycleSimulator {
  private CycleSimulator() {}

  /** One stage's share of a run: cycles its matrix-vector unit computed, and the cycles per image it needs alone. */
  public record StageActivity(String name, long busyCycles, long cyclesPerImage) {}

  /**
   * A run: images, cycles up to the last output beat, the first image's latency (from its first
   * input beat to its last output beat, inclusive), each stage's activity, and the cycles the model
   * stepped through (the rest repeated earlier images).
   */
  public record Run(int images, long cycles, long latency, List<StageActivity> stages, long stepped) {
    /** The steady state's cycles between one image's last output and the next's (the latency for one image). */
    public double cyclesPerImage() {
      return images == 1 ? latency : (cycles - latency) / (double) (images - 1);
    }

    /** Images per second in the steady state at a {@code clockMhz} clock. */
    public double imagesPerSecond(double clockMhz) {
      return clockMhz * 1e6 / cyclesPerImage();
    }

    /** The stage busy for the most cycles: the one that sets the pace. */
    public StageActivity bottleneck() {
      StageActivity b = stages.get(0);
      for (StageActivity s : stages) {
        if (s.busyCycles() > b.busyCycles()) {
          b = s;
        }
      }
      return b;
    }
  }

  /** Streams {@code images} images through {@code d}, its output always ready unless {@code backPressure}. */
  public static Run run(Dataflow d, int images, boolean backPressure) {
    return run(d, images, backPressure, true);
  }

  /** As {@link #run(Dataflow, int, boolean)}; without {@code skipRepeats}, every cycle is simulated. */
  static Run run(Dataflow d, int images, boolean backPressure, boolean skipRepeats) {
    if (images < 1) {
      throw new IllegalArgumentException("at least one image, got " + images);
    }
    List<StageModel> stages = new ArrayList<>();
    for (Dataflow.Stage s : d.stages()) {
      stages.add(new StageModel(s, stages));
    }
    StageModel first = stages.get(0);
    StageModel last = stages.get(stages.size() - 1);
    int n = stages.size();
    long imageBeats = first.stage.inputBeats();
    long inputs = images * imageBeats;
    long perImage = last.stage.outputBeats();
    long wanted = images * perImage;
    long bound = stallBound(d);

    long next = 0;
    long seen = 0;
    long cycle = 0;
    long started = -1;
    long latency = -1;
    long progress = 0;
    long stepped = 0;
    List<Boundary> history = new ArrayList<>();
    while (seen < wanted) {
      if (cycle - progress > bound) {
        throw deadlock(stages, cycle, cycle - progress, seen, wanted);
      }
      boolean outReady = !backPressure || cycle % 3 != 2;
      boolean ready = outReady;
      for (int i = n - 1; i >= 0; i--) {
        StageModel s = stages.get(i);
        s.readies(ready);
        ready = s.inReady;
      }
      boolean valid = next < inputs;
      for (StageModel s : stages) {
        s.valids(valid);
        valid = s.outValid;
      }
      boolean taken = first.inFire;
      if (last.outValid && outReady) {
        if (++seen == perImage) {
          latency = cycle - started + 1;
        }
        progress = cycle;
      }
      for (StageModel s : stages) {
        s.clock();
      }
      cycle++;
      stepped++;
      if (taken) {
        if (started < 0) {
          started = cycle - 1;
        }
        next++;
        progress = cycle;
        if (skipRepeats && next % imageBeats == 0 && latency >= 0) {
          // At each image's last input beat: when the chain is where it was p images ago, every
          // p images until the input runs out repeat those, so skip all but the last of them.
          Boundary now = Boundary.of(stages, cycle, seen, backPressure);
          int p = now.period(history);
          long skipped = p == 0 ? 0 : ((inputs - next) / imageBeats - 1) / p * p;
          if (skipped > 0) {
            Boundary then = history.get(history.size() - p);
            long times = skipped / p;
            cycle += times * (now.cycle - then.cycle);
            next += skipped * imageBeats;
            seen += times * (now.seen - then.seen);
            for (int i = 0; i < n; i++) {
              stages.get(i).mvu.fires += times * (now.fires[i] - then.fires[i]);
            }
            progress = cycle;
            history.clear();
          } else {
            history.add(now);
            if (history.size() > HISTORY) {
              history.remove(0);
            }
          }
        }
      }
    }
    List<StageActivity> activity = stages.stream().map(s -> new StageActivity(s.stage.name(), s.mvu.fires, s.stage.cyclesPerImage())).toList();
    return new Run(images, cycle, latency, activity, stepped);
  }

  /** Image boundaries remembered to find the chain's period: its buffers alternate, so two images at least. */
  private static final int HISTORY = 8;

  /** The chain's registers after an image's last input beat, with the run's counts then. */
  private record Boundary(int[] registers, long cycle, long seen, long[] fires) {
    static Boundary of(List<StageModel> stages, long cycle, long seen, boolean backPressure) {
      IntStream.Builder b = IntStream.builder();
      stages.forEach(s -> s.save(b::add));
      if (backPressure) {
        b.add((int) (cycle % 3));
      }
      return new Boundary(b.build().toArray(), cycle, seen, stages.stream().mapToLong(s -> s.mvu.fires).toArray());
    }

    /** How many images back the chain was last in this state; 0 when not in the history. */
    int period(List<Boundary> history) {
      for (int p = 1; p <= history.size(); p++) {
        if (Arrays.equals(registers, history.get(history.size() - p).registers)) {
          return p;
        }
      }
      return 0;
    }
  }

  /** Cycles without a beat entering or leaving that no live chain reaches: four images through every stage in turn, and slack for fill. */
  private static long stallBound(Dataflow d) {
    long sum = 0;
    for (Dataflow.Stage s : d.stages()) {
      sum += s.cyclesPerImage() + s.inputBeats() + s.outputBeats();
    }
    return 4 * sum + 10_000;
  }

  private static DeadlockException deadlock(List<StageModel> stages, long cycle, long idle, long seen, long wanted) {
    List<String> held = new ArrayList<>();
    for (StageModel s : stages) {
      List<String> w = s.waits();
      if (!w.isEmpty()) {
        held.add(s.stage.name() + " (" + String.join(", ", w) + ")");
      }
    }
    String where = held.isEmpty() ? "no stage reports a full queue" : "held up: " + String.join("; ", held);
    return new DeadlockException("the chain deadlocked: no beat moved in " + idle + " cycles, after " + seen + " of " + wanted + " output beats at cycle " + cycle + "; " + where);
  }
}
