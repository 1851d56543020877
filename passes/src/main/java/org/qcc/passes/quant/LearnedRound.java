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
 * inputs, plus a regularizer sum(lambda_i (1 - |2h - 1|^beta)) that pushes every h to 0 or 1 as
 * beta anneals from 20 to 2. lambda_i = lambda H_ii step_i^2 is the error's own curvature along the
 * weight, so one lambda fits every layer and data scale: at lambda = 1 the regularizer outweighs
 * the error's pull towards fractional h by the end of the schedule. Gradients are analytic
 * (2 dW H for the error), so no framework is needed. Each weight then takes the neighbour its h
 * rounds to, and a local search flips single weights to their other neighbour while that lowers
 * the layer's error, which the relaxation leaves on the table.
 */
public final class LearnedRound {
  public static final PassOption.Int IMAGES = new PassOption.Int("images", 128, 1, 1_000_000, "Calibration samples for the Hessians");
  public static final PassOption.Int ITERATIONS = new PassOption.Int("iterations", 200, 1, 100_000, "Adam steps per layer");
  public static final PassOption.Real LEARNING_RATE = new PassOption.Real("lr", 0.3, 1e-6, 10, "Adam learning rate for the rounding variables");
  public static final PassOption.Real LAMBDA = new PassOption.Real("lambda", 1, 0, 1000, "Weight of the rounding regularizer, in units of the error's curvature along each weight");
  public static final PassOption.Flag LOCAL_SEARCH = new PassOption.Flag("local-search", true, "Flip single weights to their other neighbour while that lowers the layer's error");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Layers to round to nearest instead");

  public static final PassInfo INFO =
      new PassInfo(
          "learned-round",
          "AdaRound-style learned rounding of quantized Conv/Gemm/MatMul weights",
          "Each weight of a layer whose weight is a qcc.FakeQuant of a constant (any format; block formats keep the block"
              + " steps of the original weight) chooses between its two neighbouring grid values by"
              + " minimizing the layer's output reconstruction error on calibration inputs, with a rounding regularizer whose"
              + " exponent anneals from 20 to 2, then a local search over single flips. Run after quantize (and calibrate)."
              + " Layers it cannot take keep round-to-nearest, with a warning. The statistic error-permille is the summed"
              + " layer error as a fraction of round-to-nearest's.",
          List.of(IMAGES, ITERATIONS, LEARNING_RATE, LAMBDA, LOCAL_SEARCH, EXCLUDE),
          List.of("layers-rounded", "samples", "weights-rounded-up", "error-permille"),
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
    double nearest = 0;
    double learned = 0;
    for (LayerHessians.Target t : targets) {
      Layer layer = new Layer(t, LayerHessians.weightRows(g, t), LayerHessians.hessian(t));
      boolean[][] roundUp = layer.relaxedRounding(o.get(ITERATIONS), o.get(LEARNING_RATE), o.get(LAMBDA));
      if (o.get(LOCAL_SEARCH)) {
        layer.localSearch(roundUp);
      }
      nearest += layer.error(layer.nearest());
      learned += layer.error(roundUp);
      up += layer.write(g, ctx, roundUp);
    }
    ctx.stat("layers-rounded", targets.size());
    ctx.stat("weights-rounded-up", up);
    ctx.stat("error-permille", nearest > 0 ? Math.round(1000 * learned / nearest) : 1000);
    return PassResult.modified();
  }

  private static double h(double v) {
    return Math.min(1, Math.max(0, (ZETA - GAMMA) / (1 + Math.exp(-v)) + GAMMA));
  }

  /** One layer's rounding problem: per weight, the grid value below and the step to the one above. */
  private static final class Layer {
    final LayerHessians.Target t;
    final double[][] w;
    final double[][] hess;
    final double[][] lo;
    final double[][] step;

    Layer(LayerHessians.Target t, double[][] w, double[][] hess) {
      this.t = t;
      this.w = w;
      this.hess = hess;
      lo = new double[t.out][t.k];
      step = new double[t.out][t.k];
      for (int r = 0; r < t.out; r++) {
        for (int i = 0; i < t.k; i++) {
          lo[r][i] = t.quantize(r, i, w[r][i], Rounding.FLOOR);
          step[r][i] = t.quantize(r, i, w[r][i], Rounding.CEIL) - lo[r][i];
        }
      }
    }

    double fraction(int r, int i) {
      return step[r][i] > 0 ? (w[r][i] - lo[r][i]) / step[r][i] : 0;
    }

    boolean[][] nearest() {
      boolean[][] up = new boolean[t.out][t.k];
      for (int r = 0; r < t.out; r++) {
        for (int i = 0; i < t.k; i++) {
          up[r][i] = fraction(r, i) > 0.5;
        }
      }
      return up;
    }

    double[] rowError(int r, boolean[] up) {
      double[] dw = new double[t.k];
      for (int i = 0; i < t.k; i++) {
        dw[i] = lo[r][i] + (up[i] ? step[r][i] : 0) - w[r][i];
      }
      return dw;
    }

    /** H dw, summed as scaled rows of the symmetric H so that the JIT can vectorize it. */
    double[] hessianTimes(double[] dw) {
      double[] hd = new double[t.k];
      for (int j = 0; j < t.k; j++) {
        double d = dw[j];
        double[] row = hess[j];
        for (int i = 0; i < t.k; i++) {
          hd[i] += d * row[i];
        }
      }
      return hd;
    }

    /** tr(dW H dW^T) for the given choices. */
    double error(boolean[][] up) {
      double total = 0;
      for (int r = 0; r < t.out; r++) {
        double[] dw = rowError(r, up[r]);
        double[] hd = hessianTimes(dw);
        for (int i = 0; i < t.k; i++) {
          total += dw[i] * hd[i];
        }
      }
      return total;
    }

    /** AdaRound's annealed relaxation; returns which weights round up. */
    boolean[][] relaxedRounding(int iterations, double lr, double lambda) {
      int out = t.out;
      int k = t.k;
      double[][] v = new double[out][k];
      for (int r = 0; r < out; r++) {
        for (int i = 0; i < k; i++) {
          double sig = Math.min(1 - 1e-6, Math.max(1e-6, (fraction(r, i) - GAMMA) / (ZETA - GAMMA)));
          v[r][i] = Math.log(sig / (1 - sig));
        }
      }
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
          double[] hd = hessianTimes(dw);
          for (int i = 0; i < k; i++) {
            double sig = 1 / (1 + Math.exp(-v[r][i]));
            double hv = (ZETA - GAMMA) * sig + GAMMA;
            double dh = hv > 0 && hv < 1 ? (ZETA - GAMMA) * sig * (1 - sig) : 0;
            double grad = 2 * hd[i] * step[r][i] * dh;
            if (reg > 0) {
              double a = 2 * h(v[r][i]) - 1;
              grad -= reg * hess[i][i] * step[r][i] * step[r][i] * beta * Math.pow(Math.abs(a), beta - 1) * Math.signum(a) * 2 * dh;
            }
            m[r][i] = 0.9 * m[r][i] + 0.1 * grad;
            s2[r][i] = 0.999 * s2[r][i] + 0.001 * grad * grad;
            double mh = m[r][i] / (1 - Math.pow(0.9, iter));
            double sh = s2[r][i] / (1 - Math.pow(0.999, iter));
            v[r][i] -= lr * mh / (Math.sqrt(sh) + 1e-8);
          }
        });
      }
      boolean[][] up = new boolean[out][k];
      for (int r = 0; r < out; r++) {
        for (int i = 0; i < k; i++) {
          up[r][i] = step[r][i] > 0 && h(v[r][i]) >= 0.5;
        }
      }
      return up;
    }

    /** Flips single weights to their other neighbour while the row's error drops (each flip is exact: the error is quadratic). */
    void localSearch(boolean[][] up) {
      IntStream.range(0, t.out).parallel().forEach(r -> {
        double[] dw = rowError(r, up[r]);
        double[] hd = hessianTimes(dw);
        boolean changed = true;
        for (int sweep = 0; sweep < 32 && changed; sweep++) {
          changed = false;
          for (int i = 0; i < t.k; i++) {
            double d = up[r][i] ? -step[r][i] : step[r][i];
            if (d != 0 && 2 * d * hd[i] + d * d * hess[i][i] < 0) {
              up[r][i] = !up[r][i];
              double[] row = hess[i];
              for (int j = 0; j < t.k; j++) {
                hd[j] += d * row[j];
              }
              changed = true;
            }
          }
        }
      });
    }

    /** Writes the chosen grid values into the weight; returns how many went up. */
    long write(Graph g, PassContext ctx, boolean[][] up) {
      double[][] chosen = new double[t.out][t.k];
      long count = 0;
      for (int r = 0; r < t.out; r++) {
        for (int i = 0; i < t.k; i++) {
          chosen[r][i] = (float) (lo[r][i] + (up[r][i] ? step[r][i] : 0));
          count += up[r][i] ? 1 : 0;
        }
      }
      LayerHessians.writeWeight(g, ctx, t, chosen);
      return count;
    }
  }
}
