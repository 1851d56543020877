// Non-negative least squares: exact fits, clamped variables, and the optimality conditions.
package org.qcc.simulator.cost;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NnlsTest {
  /** Data made from non-negative coefficients is fitted exactly. */
  @Test
  void recoversNonNegativeCoefficients() {
    Random r = new Random(1);
    double[] truth = {2, 0, 0.5, 7};
    double[][] a = new double[30][4];
    double[] b = new double[30];
    for (int i = 0; i < 30; i++) {
      for (int j = 0; j < 4; j++) {
        a[i][j] = r.nextDouble() * 10;
        b[i] += a[i][j] * truth[j];
      }
    }
    assertArrayEquals(truth, Nnls.solve(a, b), 1e-9);
  }

  /**
   * Unconstrained least squares fits these rows with x = (2, -1); with x >= 0 the second variable
   * stays at zero and the first takes the best fit alone, 3/2.
   */
  @Test
  void clampsAtZeroAndMeetsTheOptimalityConditions() {
    double[][] a = {{1, 0}, {0, 1}, {1, 1}};
    double[] b = {2, -1, 1};
    double[] x = Nnls.solve(a, b);
    assertEquals(0, x[1], 1e-12);
    assertEquals(1.5, x[0], 1e-9);
    // Karush-Kuhn-Tucker: the gradient A'(b - Ax) is zero on free variables and <= 0 on clamped ones.
    double[] w = new double[2];
    for (int i = 0; i < 3; i++) {
      double res = b[i] - a[i][0] * x[0] - a[i][1] * x[1];
      w[0] += a[i][0] * res;
      w[1] += a[i][1] * res;
    }
    assertEquals(0, w[0], 1e-9);
    assertTrue(w[1] <= 1e-9, "the clamped variable's gradient points below zero: " + w[1]);
  }
}
