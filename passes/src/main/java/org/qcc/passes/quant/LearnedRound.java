// learned-round: AdaRound-style learned rounding of weights, layer by layer.
package org.qcc.passes.quant;

import java.util.List;
import java.util.stream.IntStream;
import org.qcc.ir.Graph;
import org.qcc.ir.formats.Rounding;
import org.qcc.passes.PassContext;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;

/**
 * AdaRound (Nagel et al. 2020): each weight chooses between its two neighbouring grid values
 * (integers or minifloat codes alike) through a rectified sigmoid h(V) in [0, 1], learned by Adam
 * on the layer's output reconstruction error tr(dW H dW^T), H = 2 X X^T / n from calibration
 * inputs, plus a regularizer lambda * sum(1 - |2h - 1|^beta) that pushes every h to 0 or 1 as beta
 * anneals from 20 to 2. Gradients are analytic (2 dW H for the error), so no framework is needed.
 * At the end each weight takes the neighbour its h rounds to.
 */
public final class LearnedRound {
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 128, 1, 1_000_000, "Calibration samples for the Hessians");
  public static final PassOption.Int ITERATIONS = new PassOption.Int("iterations", 100, 1, 100_000, "Adam steps per layer");
  public static final PassOption.Real LEARNING_RATE = new PassOption.Real("lr", 0.3, 1e-6, 10, "Adam learning rate for the rounding variables");
  public static final PassOption.Real LAMBDA = new PassOption.Real("lambda", 0.001, 0, 100, "Weight of the rounding regularizer, relative to the initial error");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Layers to round to nearest instead");

  public static final PassInfo INFO =
      new PassInfo(
          "learned-round",
          "AdaRound-style learned rounding of quantized Conv/Gemm/MatMul weights",
          "Each weight of a layer with a scalar-format qcc.FakeQuant chooses between its two neighbouring grid values by"
              + " minimizing the layer's output reconstruction error on calibration inputs, with a rounding regularizer whose"
              + " exponent anneals from 20 to 2. Run after quantize (and calibrate). Layers it cannot take keep"
              + " round-to-nearest, with a warning.",
          List.of(IMAGES, ITERATIONS, LEARNING_RATE, LAMBDA, EXCLUDE),
          List.of("layers-rounded", "samples", "weights-rounded-up"),
          o -> (g, ctx) -> new LearnedRound(g, o).run(ctx));

  private static final double ZETA = 1.1;
  private static final double GAMMA = -0.1;

  private final Graph g;
  private final PassOptions o;

  private LearnedRound(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private PassResult run(PassContext ctx) {
    List<LayerHessians.Target> targets = LayerHessians.collect(g, ctx, o.get(EXCLUDE), o.get(IMAGES), "learned-round");
    if (targets.isEmpty()) {
      return PassResult.unchanged();
    }
    long up = 0;
    for (LayerHessians.Target t : targets) {
      up += optimize(t);
    }
    ctx.stat("layers-rounded", targets.size());
    ctx.stat("weights-rounded-up", up);
    return PassResult.modified();
  }

  private static double h(double v) {
    return Math.min(1, Math.max(0, (ZETA - GAMMA) / (1 + Math.exp(-v)) + GAMMA));
  }

  /** Learns the rounding of one layer and writes the chosen grid values; returns how many went up. */
  private long optimize(LayerHessians.Target t) {
    int out = t.out;
    int k = t.k;
    double[][] w = LayerHessians.weightRows(g, t);
    double[][] hess = LayerHessians.hessian(t);
    double[][] lo = new double[out][k];
    double[][] step = new double[out][k];
    double[][] v = new double[out][k];
    for (int r = 0; r < out; r++) {
      double s = t.rowScale[r];
      for (int i = 0; i < k; i++) {
        double y = w[r][i] / s;
        double down = t.format.quantize(y, Rounding.FLOOR, 0);
        double upv = t.format.quantize(y, Rounding.CEIL, 0);
        lo[r][i] = down * s;
        step[r][i] = (upv - down) * s;
        double frac = step[r][i] > 0 ? (w[r][i] - lo[r][i]) / step[r][i] : 0;
        double sig = Math.min(1 - 1e-6, Math.max(1e-6, (frac - GAMMA) / (ZETA - GAMMA)));
        v[r][i] = Math.log(sig / (1 - sig));
      }
    }
    // The regularizer's weight is relative to the round-to-nearest error, so lambda needs no tuning per layer.
    double scaleOfError = Math.max(1e-30, nearestError(t, w, lo, step, hess) / (out * (double) k));
    double lambda = o.get(LAMBDA) * scaleOfError;
    int iterations = o.get(ITERATIONS);
    double lr = o.get(LEARNING_RATE);
    double[][] m = new double[out][k];
    double[][] s2 = new double[out][k];
    int warmup = iterations / 5;
    for (int it = 1; it <= iterations; it++) {
      int iter = it;
      double beta = it <= warmup ? 0 : 20 - (20 - 2) * (it - warmup) / (double) Math.max(1, iterations - warmup);
      double reg = it <= warmup ? 0 : lambda;
      IntStream.range(0, out).parallel().forEach(r -> {
        double[] dw = new double[k];
        for (int i = 0; i < k; i++) {
          dw[i] = lo[r][i] + h(v[r][i]) * step[r][i] - w[r][i];
        }
        for (int i = 0; i < k; i++) {
          double g1 = 0;
          for (int j = 0; j < k; j++) {
            g1 += hess[i][j] * dw[j];
          }
          double sig = 1 / (1 + Math.exp(-v[r][i]));
          double hv = (ZETA - GAMMA) * sig + GAMMA;
          double dh = hv > 0 && hv < 1 ? (ZETA - GAMMA) * sig * (1 - sig) : 0;
          double grad = 2 * g1 * step[r][i] * dh;
          if (reg > 0) {
            double a = 2 * h(v[r][i]) - 1;
            grad += reg * -beta * Math.pow(Math.abs(a), beta - 1) * Math.signum(a) * 2 * dh;
          }
          m[r][i] = 0.9 * m[r][i] + 0.1 * grad;
          s2[r][i] = 0.999 * s2[r][i] + 0.001 * grad * grad;
          double mh = m[r][i] / (1 - Math.pow(0.9, iter));
          double sh = s2[r][i] / (1 - Math.pow(0.999, iter));
          v[r][i] -= lr * mh / (Math.sqrt(sh) + 1e-8);
        }
      });
    }
    double[][] chosen = new double[out][k];
    long up = 0;
    for (int r = 0; r < out; r++) {
      for (int i = 0; i < k; i++) {
        boolean roundUp = h(v[r][i]) >= 0.5;
        chosen[r][i] = (float) (lo[r][i] + (roundUp ? step[r][i] : 0));
        up += roundUp && step[r][i] > 0 ? 1 : 0;
      }
    }
    LayerHessians.writeWeight(g, t, chosen);
    return up;
  }

  /** tr(dW H dW^T) when every weight rounds to its nearest neighbour. */
  private static double nearestError(LayerHessians.Target t, double[][] w, double[][] lo, double[][] step, double[][] hess) {
    double total = 0;
    for (int r = 0; r < t.out; r++) {
      double[] dw = new double[t.k];
      for (int i = 0; i < t.k; i++) {
        double frac = Math.rint(step[r][i] > 0 ? (w[r][i] - lo[r][i]) / step[r][i] : 0);
        dw[i] = lo[r][i] + frac * step[r][i] - w[r][i];
      }
      for (int i = 0; i < t.k; i++) {
        double row = 0;
        for (int j = 0; j < t.k; j++) {
          row += hess[i][j] * dw[j];
        }
        total += dw[i] * row;
      }
    }
    return total;
  }
}
