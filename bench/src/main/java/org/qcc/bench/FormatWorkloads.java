// The quantize-dequantize workloads that `qcc bench formats` and the JMH benchmark both time.
package org.qcc.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.qcc.ir.formats.BlockFloat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Microscaling;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.formats.ScaleFormat;

/**
 * One [rows, cols] fp32 tensor and, per benchmark row, a runnable that fake-quantizes it into a
 * shared output buffer. Scales are computed up front because the PyTorch peer takes them as
 * arguments; block formats pick their shared exponents inside the timed call, as the peer does.
 */
public final class FormatWorkloads {
  /** Row names, in the order every table prints them. */
  public static final String[] ROWS = {"int8-tensor", "int4-channel", "e4m3-tensor", "e2m1-tensor", "bfp8b16", "mxfp4_e2m1"};

  private final int rows;
  private final int cols;
  private final float[] input;
  private final float[] output;

  public FormatWorkloads(int rows, int cols) {
    if (rows < 1 || cols < 32 || cols % 32 != 0) {
      throw new IllegalArgumentException("rows must be positive and cols a positive multiple of 32, got [" + rows + ", " + cols + "]");
    }
    this.rows = rows;
    this.cols = cols;
    this.input = gaussianRows(rows, cols);
    this.output = new float[input.length];
  }

  public float[] input() {
    return input;
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public int elements() {
    return input.length;
  }

  /** Every row's workload by name, in {@link #ROWS} order. */
  public Map<String, Runnable> all() {
    Map<String, Runnable> m = new LinkedHashMap<>();
    for (String row : ROWS) {
      m.put(row, row(row));
    }
    return m;
  }

  public Runnable row(String name) {
    int[] shape = {rows, cols};
    return switch (name) {
      case "int8-tensor" -> scalar(IntFormat.INT8, Granularity.TENSOR);
      case "int4-channel" -> scalar(new IntFormat(4, true, false), new Granularity.PerChannel(0));
      case "e4m3-tensor" -> scalar(Minifloat.FP8_E4M3, Granularity.TENSOR);
      case "e2m1-tensor" -> scalar(Minifloat.FP4_E2M1, Granularity.TENSOR);
      case "bfp8b16" -> () -> BlockQuantizer.fakeQuantize(new BlockFloat(8, 16, 8), input, shape, 1, Rounding.NEAREST_EVEN, 0, output);
      case "mxfp4_e2m1" -> () -> BlockQuantizer.fakeQuantize(Microscaling.MXFP4_E2M1, input, shape, 1, Rounding.NEAREST_EVEN, 0, output);
      default -> throw new IllegalArgumentException("unknown formats benchmark row '" + name + "'; rows: " + String.join(", ", ROWS));
    };
  }

  private Runnable scalar(ScalarFormat f, Granularity g) {
    int[] shape = {rows, cols};
    Quantizer q = new Quantizer(f, g, ScaleFormat.FP32);
    float[] scales = q.scales(input, shape);
    return () -> q.fakeQuantize(input, shape, scales, Rounding.NEAREST_EVEN, 0, output);
  }

  /** Gaussian values with per-row magnitudes spread over a few orders, like weights; fixed seed. */
  private static float[] gaussianRows(int rows, int cols) {
    Random r = new Random(20261123);
    float[] x = new float[Math.multiplyExact(rows, cols)];
    for (int row = 0; row < rows; row++) {
      double s = Math.exp(r.nextGaussian());
      for (int c = 0; c < cols; c++) {
        x[row * cols + c] = (float) (r.nextGaussian() * s);
      }
    }
    return x;
  }
}
