// qcc qtensor: quantize and dequantize one tensor and report the error.
package org.qcc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.qcc.frontend.npy.Npy;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.BlockQuantizer;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScaleFormat;
import org.qcc.ir.formats.ScalarFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "qtensor",
    description = {
      "Quantize a tensor to a format and back, write the dequantized fp32 tensor, and print the MSE,",
      "SQNR and largest error. Scalar formats take scales from --scale, --scale-file or the data",
      "(largest magnitude per tensor, --axis channel or --group); block formats use their own scales."
    },
    footer = {
      "%nExamples:",
      "  qcc qtensor w.npy --format int4 --axis 0 -o w_int4.npy",
      "  qcc qtensor w.npy --format e4m3fn --scale 0.01 -o w_fp8.npy",
      "  qcc qtensor x.npy --format mxfp4_e2m1 --block-axis 1 --rounding stochastic --seed 3 -o x_mx.npy --json"
    })
final class QtensorCommand implements Callable<Integer> {
  @Parameters(paramLabel = "IN.npy", description = "Input tensor (.npy, any float or integer dtype).")
  Path input;

  @Option(names = "--format", required = true, description = "Target format (see qcc formats list).")
  String format;

  static final class ScaleSource {
    @Option(names = "--scale", description = "One fp32 scale for the whole tensor.")
    Float scale;

    @Option(names = "--scale-file", paramLabel = "S.npy", description = "Scales: one per channel along --axis, or per group.")
    Path scaleFile;
  }

  @ArgGroup(exclusive = true)
  ScaleSource scaleSource;

  @Option(names = "--axis", description = "Per-channel (or, with --group, per-group) scales along this axis.")
  Integer axis;

  @Option(names = "--group", description = "Scales per group of this many consecutive elements along --axis (default: last axis).")
  Integer group;

  @Option(names = "--block-axis", description = "Axis that block formats take their blocks along (default: last).")
  Integer blockAxis;

  @Option(names = "--rounding", defaultValue = "rne", description = "rne, rna, rtz, floor, ceil or stochastic (default: rne).")
  String rounding;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of stochastic rounding.")
  long seed;

  @Option(names = "--scale-format", defaultValue = "fp32", description = "Storage of scales derived from the data: fp32, pow2, e8m0, ue5m3.")
  String scaleFormat;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy", description = "Dequantized fp32 tensor.")
  Path output;

  @Mixin Common common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Tensor in = Npy.read(input);
    float[] x = toFloats(in);
    int[] shape = in.shape();
    float[] out = new float[x.length];
    ElementFormat f;
    Rounding mode;
    try {
      f = ElementFormats.parse(format);
      mode = Rounding.parse(rounding);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("input", input.toString());
    report.put("format", f.name());
    report.put("rounding", mode.id());
    try {
      if (f instanceof BlockFormat b) {
        if (scaleSource != null || axis != null || group != null) {
          throw new IllegalArgumentException(f.name() + " is a block format with its own scales: use --block-axis, not --scale/--axis/--group");
        }
        int ba = normalize(blockAxis == null ? -1 : blockAxis, shape.length, "--block-axis");
        BlockQuantizer.fakeQuantize(b, x, shape, ba, mode, seed, out);
        report.put("block_axis", ba);
        report.put("scales", BlockQuantizer.scaleShape(b, shape, ba));
      } else {
        ScalarFormat s = ElementFormats.scalar(format);
        Quantizer q = new Quantizer(s, granularity(shape.length), ScaleFormat.parse(scaleFormat));
        float[] scales = scales(q, x, shape);
        q.fakeQuantize(x, shape, scales, mode, seed, out);
        report.put("granularity", q.granularity().toString());
        report.put("scales", scales.length);
        if (scales.length == 1) {
          report.put("scale", scales[0]);
        }
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    Npy.write(new FloatTensor(FloatFormat.FP32, shape, out), output);
    errors(x, out, report);
    report.put("output", output.toString());
    if (common.json) {
      Json.print(spec.commandLine().getOut(), report);
    } else {
      spec.commandLine().getOut().printf("%s -> %s (%s, %s): MSE %.4g, SQNR %.2f dB, max |error| %.4g over %d elements; wrote %s%n",
          input, f.name(), report.getOrDefault("granularity", "blocks along axis " + report.get("block_axis")), mode.id(),
          report.get("mse"), report.get("sqnr_db"), report.get("max_abs_error"), x.length, output);
    }
    return Qcc.OK;
  }

  private Granularity granularity(int rank) {
    if (group != null) {
      return new Granularity.PerGroup(normalize(axis == null ? -1 : axis, rank, "--axis"), group);
    }
    return axis == null ? Granularity.TENSOR : new Granularity.PerChannel(normalize(axis, rank, "--axis"));
  }

  private float[] scales(Quantizer q, float[] x, int[] shape) {
    if (scaleSource == null) {
      return q.scales(x, shape);
    }
    if (scaleSource.scale != null) {
      if (!(q.granularity() instanceof Granularity.PerTensor)) {
        throw new IllegalArgumentException("--scale is one scale for the whole tensor; use --scale-file with --axis or --group");
      }
      return new float[] {scaleSource.scale};
    }
    return toFloats(Npy.read(scaleSource.scaleFile));
  }

  private static int normalize(int axis, int rank, String option) {
    int a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw new IllegalArgumentException(option + " " + axis + " is out of range for a rank-" + rank + " tensor");
    }
    return a;
  }

  private static float[] toFloats(Tensor t) {
    if (t instanceof FloatTensor ft) {
      return ft.data().clone();
    }
    float[] v = new float[t.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) t.getDouble(i);
    }
    return v;
  }

  /** MSE, SQNR in dB (signal power over noise power) and the largest absolute error. */
  private static void errors(float[] x, float[] q, Map<String, Object> report) {
    double signal = 0;
    double noise = 0;
    double max = 0;
    for (int i = 0; i < x.length; i++) {
      double e = (double) q[i] - x[i];
      signal += (double) x[i] * x[i];
      noise += e * e;
      max = Math.max(max, Math.abs(e));
    }
    report.put("mse", x.length == 0 ? 0 : noise / x.length);
    report.put("sqnr_db", noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise));
    report.put("max_abs_error", max);
  }
}
