// What runs inside a Spark executor: one evaluator per sweep, built on its first task.
package org.qcc.explore.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.qcc.explore.Confirmation;
import org.qcc.explore.Point;
import org.qcc.explore.PointEvaluator;
import org.qcc.explore.PointResult;
import org.qcc.testbenches.Synthesis;
import org.qcc.testbenches.ToolException;
import org.qcc.testbenches.Verilator;

/** Static so that an executor's tasks share the evaluator instead of each parsing the sweep again. */
final class Workers {
  private static final Map<String, PointEvaluator> EVALUATORS = new ConcurrentHashMap<>();

  private Workers() {}

  private static PointEvaluator evaluator(Sweep sweep) {
    return EVALUATORS.computeIfAbsent(sweep.id(), k -> sweep.evaluator());
  }

  static PointResult evaluate(Sweep sweep, Point p) {
    return evaluator(sweep).evaluate(p);
  }

  /** Refuses (so that Spark runs the task elsewhere) on an executor without the tools. */
  static Confirmation confirm(Sweep sweep, Point p) {
    Tools here = tools();
    if (!here.canConfirm()) {
      throw new ToolException("executor " + here.executor() + " on " + here.host() + " lacks Verilator or yosys");
    }
    PointEvaluator e = evaluator(sweep);
    return sweep.confirmer(e).confirm(p);
  }

  /** The tools of the executor this runs on. */
  static Tools tools() {
    SparkEnv env = SparkEnv.get();
    return new Tools(env.blockManager().blockManagerId().host(), env.executorId(), Verilator.available(), Synthesis.available());
  }
}
