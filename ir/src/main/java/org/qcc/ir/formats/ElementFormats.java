// Parsing of format names: the one place that maps text to ElementFormat.
package org.qcc.ir.formats;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Resolves textual format names. The syntax is open: new format families add a rule here. */
public final class ElementFormats {
  private static final Pattern INT = Pattern.compile("(u?)int(\\d+)(n?)");
  private static final List<ElementFormat> NAMED =
      List.of(
          FloatFormat.FP32,
          FloatFormat.FP64,
          FloatFormat.FP16,
          FloatFormat.BF16,
          BoolFormat.BOOL);

  private ElementFormats() {}

  /** The format named {@code name}, or empty when no format has that name. */
  public static Optional<ElementFormat> lookup(String name) {
    for (ElementFormat f : NAMED) {
      if (f.name().equals(name)) {
        return Optional.of(f);
      }
    }
    Matcher m = INT.matcher(name);
    if (m.matches()) {
      int bits;
      try {
        bits = Integer.parseInt(m.group(2));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
      boolean signed = m.group(1).isEmpty();
      boolean narrow = !m.group(3).isEmpty();
      if (bits < 1 || bits > 64 || (narrow && !signed)) {
        return Optional.empty();
      }
      return Optional.of(new IntFormat(bits, signed, narrow));
    }
    return Optional.empty();
  }

  /** The format named {@code name}; throws with the list of known families otherwise. */
  public static ElementFormat parse(String name) {
    return lookup(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "unknown element format '"
                        + name
                        + "' (known: fp32, fp64, fp16, bf16, bool, intN, uintN, intNn for N in 1..64)"));
  }
}
