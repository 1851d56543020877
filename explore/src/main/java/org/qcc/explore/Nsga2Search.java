// NSGA-II over a design space too large to enumerate, through the MOEA Framework.
package org.qcc.explore;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.moeaframework.algorithm.NSGAII;
import org.moeaframework.core.PRNG;
import org.moeaframework.core.Solution;
import org.moeaframework.core.constraint.LessThanOrEqual;
import org.moeaframework.core.objective.Maximize;
import org.moeaframework.core.objective.Minimize;
import org.moeaframework.core.variable.BinaryIntegerVariable;
import org.moeaframework.parallel.DistributedProblem;
import org.moeaframework.problem.AbstractProblem;

/**
 * Each dimension with more than one choice is an integer variable (the choice's index); the
 * objectives are the front's. A point the hardware chain cannot build, or one over the device's
 * budget, violates a constraint, so NSGA-II's constrained dominance ranks every feasible point
 * above it. Evaluations go through the {@link Explorer}, so they are stored as they finish and a
 * rerun with the same seed replays the search from the store without evaluating anything twice.
 */
public final class Nsga2Search {
  private static final double UNMEASURED = 1e12;

  private Nsga2Search() {}

  /** Runs the search; returns every point it visited, in the order first asked for. */
  public static List<Point> run(Space space, Explorer explorer, List<Objective> objectives) {
    Space.Search settings = space.search();
    List<List<?>> dims = space.dimensions();
    List<Integer> free = new ArrayList<>();
    for (int d = 0; d < dims.size(); d++) {
      if (dims.get(d).size() > 1) {
        free.add(d);
      }
    }
    Set<Point> visited = Collections.synchronizedSet(new LinkedHashSet<>());
    Problem problem = new Problem(space, free, explorer, objectives, visited);
    explorer.expect((int) Math.min(space.gridSize(), (long) settings.population() * (settings.generations() + 1)));
    PRNG.setSeed(settings.seed());
    try (DistributedProblem parallel = DistributedProblem.from(problem, explorer.jobs())) {
      NSGAII nsga = new NSGAII(parallel);
      nsga.setInitialPopulationSize(settings.population());
      nsga.run(settings.population() * (settings.generations() + 1));
    }
    synchronized (visited) {
      return List.copyOf(visited);
    }
  }

  private static final class Problem extends AbstractProblem {
    private final Space space;
    private final List<Integer> free;
    private final Explorer explorer;
    private final List<Objective> objectives;
    private final Set<Point> visited;

    Problem(Space space, List<Integer> free, Explorer explorer, List<Objective> objectives, Set<Point> visited) {
      super(free.size(), objectives.size(), 2);
      this.space = space;
      this.free = free;
      this.explorer = explorer;
      this.objectives = objectives;
      this.visited = visited;
    }

    @Override
    public Solution newSolution() {
      Solution s = new Solution(getNumberOfVariables(), getNumberOfObjectives(), getNumberOfConstraints());
      List<List<?>> dims = space.dimensions();
      for (int v = 0; v < free.size(); v++) {
        s.setVariable(v, new BinaryIntegerVariable(0, dims.get(free.get(v)).size() - 1));
      }
      for (int o = 0; o < objectives.size(); o++) {
        s.setObjective(o, objectives.get(o).maximize() ? Maximize.value(objectives.get(o).key()) : Minimize.value(objectives.get(o).key()));
      }
      s.setConstraint(0, LessThanOrEqual.to("hardware", 0));
      s.setConstraint(1, LessThanOrEqual.to("budget", 0));
      return s;
    }

    @Override
    public void evaluate(Solution s) {
      int[] index = new int[space.dimensions().size()];
      for (int v = 0; v < free.size(); v++) {
        index[free.get(v)] = BinaryIntegerVariable.getInt(s.getVariable(v));
      }
      Point p = space.point(index);
      visited.add(p);
      PointResult r = explorer.result(p);
      boolean measured = objectives.stream().allMatch(o -> o.value(r) != null);
      for (int o = 0; o < objectives.size(); o++) {
        // Constrained dominance already ranks such a point last; the worst value keeps it there within its rank.
        s.setObjectiveValue(o, measured ? objectives.get(o).value(r) : objectives.get(o).maximize() ? -UNMEASURED : UNMEASURED);
      }
      s.setConstraintValue(0, measured ? 0 : 1);
      s.setConstraintValue(1, Boolean.FALSE.equals(r.fits()) ? 1 : 0);
    }
  }
}
