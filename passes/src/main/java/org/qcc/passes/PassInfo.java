// A pass declared as data: name, documentation, options, statistics and how to build it.
package org.qcc.passes;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one declaration of a pass. The registry, {@code qcc opt --list-passes} and option
 * checking all read it; {@link #create} builds a configured instance.
 *
 * @param name the pipeline spelling, kebab-case
 * @param summary one line
 * @param description what it does, with the conditions under which it rewrites
 * @param options every option it accepts
 * @param statistics the counters it reports
 */
public record PassInfo(String name, String summary, String description, List<PassOption<?>> options, List<String> statistics, Function<PassOptions, Pass> factory) {
  public PassInfo {
    options = List.copyOf(options);
    statistics = List.copyOf(statistics);
  }

  /** Checks {@code raw} options and builds the pass; errors name the pass and the option. */
  public Pass create(Map<String, String> raw) {
    PassOptions o;
    try {
      o = PassOptions.parse(options, raw);
    } catch (IllegalArgumentException e) {
      throw new PassException(name, e.getMessage());
    }
    try {
      return factory.apply(o);
    } catch (IllegalArgumentException e) {
      throw new PassException(name, e.getMessage());
    }
  }
}
