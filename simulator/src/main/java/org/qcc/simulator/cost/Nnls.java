// Non-negative least squares (Lawson and Hanson's active-set method).
package org.qcc.simulator.cost;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * Solves min |A x - b| subject to x >= 0, as in C. L. Lawson and R. J. Hanson, "Solving Least
 * Squares Problems" (1974), chapter 23: variables move from the zero set to the free set one at a
 * time, by the largest gradient, and back when an unconstrained step would make one negative. The
 * cost model's coefficients are resource counts per unit of a part, which cannot be negative.
 */
final class Nnls {
  private Nnls() {}

  private static final double TOLERANCE = 1e-10;

  static double[] solve(double[][] a, double[] b) {
    int n = a[0].length;
    double[] x = new double[n];
    boolean[] free = new boolean[n];
    for (int outer = 0; outer < 3 * n + 10; outer++) {
      double[] w = gradient(a, b, x);
      int best = -1;
      for (int j = 0; j < n; j++) {
        if (!free[j] && w[j] > TOLERANCE * scale(a, b) && (best < 0 || w[j] > w[best])) {
          best = j;
        }
      }
      if (best < 0) {
        return x;
      }
      free[best] = true;
      while (true) {
        double[] z = leastSquares(a, b, free);
        double alpha = 1;
        int leaving = -1;
        for (int j = 0; j < n; j++) {
          if (free[j] && z[j] <= 0) {
            double t = x[j] / (x[j] - z[j]);
            if (t < alpha) {
              alpha = t;
              leaving = j;
            }
          }
        }
        if (leaving < 0) {
          x = z;
          break;
        }
        for (int j = 0; j < n; j++) {
          x[j] += alpha * (z[j] - x[j]);
          if (free[j] && (j == leaving || x[j] <= TOLERANCE)) {
            free[j] = false;
            x[j] = 0;
          }
        }
      }
    }
    return x;
  }

  /** A' (b - A x): positive where raising that variable lowers the error. */
  private static double[] gradient(double[][] a, double[] b, double[] x) {
    int n = x.length;
    double[] w = new double[n];
    for (int i = 0; i < a.length; i++) {
      double r = b[i];
      for (int j = 0; j < n; j++) {
        r -= a[i][j] * x[j];
      }
      for (int j = 0; j < n; j++) {
        w[j] += a[i][j] * r;
      }
    }
    return w;
  }

  private static double scale(double[][] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s = Math.max(s, Math.abs(b[i]));
      for (double v : a[i]) {
        s = Math.max(s, Math.abs(v));
      }
    }
    return s * s;
  }

  /** The unconstrained least-squares solution over the free variables, zero elsewhere. */
  private static double[] leastSquares(double[][] a, double[] b, boolean[] free) {
    int n = free.length;
    int[] columns = java.util.stream.IntStream.range(0, n).filter(j -> free[j]).toArray();
    DMatrixRMaj m = new DMatrixRMaj(a.length, columns.length);
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < columns.length; k++) {
        m.set(i, k, a[i][columns[k]]);
      }
    }
    DMatrixRMaj y = new DMatrixRMaj(a.length, 1, true, b);
    DMatrixRMaj z = new DMatrixRMaj(columns.length, 1);
    LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.leastSquaresQrPivot(true, false);
    if (!solver.setA(m)) {
      throw new IllegalStateException("the calibration samples do not determine the cost model's coefficients");
    }
    solver.solve(y, z);
    double[] out = new double[n];
    for (int k = 0; k < columns.length; k++) {
      out[columns[k]] = z.get(k, 0);
    }
    return out;
  }
}
