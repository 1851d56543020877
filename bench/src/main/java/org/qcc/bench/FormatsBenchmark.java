// JMH: quantize-dequantize throughput of the formats library, the same rows as `qcc bench formats`.
package org.qcc.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scores are elements per microsecond (= million elements per second), directly comparable with
 * the "qcc Melem/s" column of {@code qcc bench formats}, which adds the PyTorch peer and ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(FormatsBenchmark.ELEMENTS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FormatsBenchmark {
  static final int ROWS = 4096;
  static final int COLS = 4096;
  static final int ELEMENTS = ROWS * COLS;

  @Param({"int8-tensor", "int4-channel", "e4m3-tensor", "e2m1-tensor", "bfp8b16", "mxfp4_e2m1"})
  public String row;

  private Runnable workload;

  @Setup
  public void setUp() {
    workload = new FormatWorkloads(ROWS, COLS).row(row);
  }

  @Benchmark
  public void quantizeDequantize() {
    workload.run();
  }
}
