// The textual names of parameterised formats: printing and the presets that have short names.
package org.qcc.ir.formats;

import java.util.LinkedHashMap;
import java.util.Map;

/** Names of minifloats: a preset's short name, else {@code [u]eXmY[bB|bnB][fn|fnuz|fin][_nosub][_ovf]}. */
final class FormatNames {
  /** Presets by canonical name; {@link ElementFormats} also accepts the aliases below. */
  static final Map<String, Minifloat> MINIFLOAT_PRESETS = new LinkedHashMap<>();
  static final Map<String, ElementFormat> ALIASES = new LinkedHashMap<>();

  static {
    MINIFLOAT_PRESETS.put("e4m3fn", Minifloat.FP8_E4M3);
    MINIFLOAT_PRESETS.put("e5m2", Minifloat.FP8_E5M2);
    MINIFLOAT_PRESETS.put("e4m3fnuz", Minifloat.FP8_E4M3FNUZ);
    MINIFLOAT_PRESETS.put("e5m2fnuz", Minifloat.FP8_E5M2FNUZ);
    MINIFLOAT_PRESETS.put("fp6_e3m2", Minifloat.FP6_E3M2);
    MINIFLOAT_PRESETS.put("fp6_e2m3", Minifloat.FP6_E2M3);
    MINIFLOAT_PRESETS.put("fp4_e2m1", Minifloat.FP4_E2M1);
    ALIASES.put("fp8_e4m3", Minifloat.FP8_E4M3);
    ALIASES.put("fp8_e5m2", Minifloat.FP8_E5M2);
    ALIASES.put("fp8_e4m3fnuz", Minifloat.FP8_E4M3FNUZ);
    ALIASES.put("fp8_e5m2fnuz", Minifloat.FP8_E5M2FNUZ);
    ALIASES.put("ternary", IntFormat.TERNARY);
  }

  private FormatNames() {}

  static String minifloat(Minifloat f) {
    for (Map.Entry<String, Minifloat> e : MINIFLOAT_PRESETS.entrySet()) {
      if (e.getValue().equals(f)) {
        return e.getKey();
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(f.signed() ? "" : "u").append('e').append(f.expBits()).append('m').append(f.manBits());
    if (f.bias() != Minifloat.defaultBias(f.expBits(), f.specials())) {
      sb.append('b').append(f.bias() < 0 ? "n" + -f.bias() : Integer.toString(f.bias()));
    }
    sb.append(
        switch (f.specials()) {
          case IEEE -> "";
          case FINITE_NAN -> "fn";
          case FNUZ -> "fnuz";
          case NONE -> "fin";
        });
    if (!f.subnormals()) {
      sb.append("_nosub");
    }
    if (!f.saturating()) {
      sb.append("_ovf");
    }
    return sb.toString();
  }
}
