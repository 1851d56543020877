// Parsing of format names: the one place that maps text to ElementFormat.
package org.qcc.ir.formats;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves textual format names, shared by the textual IR, pass options and the CLI:
 *
 * <ul>
 *   <li>{@code fp32 fp64 fp16 bf16 bool}
 *   <li>integers {@code intN uintN intNn} (N in 1..64; {@code n}: narrow, symmetric range), {@code
 *       ternary} (= int2n), {@code bipolar}
 *   <li>minifloats {@code [u]eXmY[bB|bnB][fn|fnuz|fin][_nosub][_ovf]}: X exponent bits, Y mantissa
 *       bits, optional bias B ({@code bn3} is -3; default 2^(X-1)-1, fnuz 2^(X-1)), specials IEEE (default),
 *       {@code fn} (OCP E4M3: NaN only at all-ones), {@code fnuz} (NaN at negative zero), {@code
 *       fin} (no specials); {@code _nosub} flushes subnormals, {@code _ovf} overflows instead of
 *       saturating; presets {@code e4m3fn e5m2 e4m3fnuz e5m2fnuz fp6_e3m2 fp6_e2m3 fp4_e2m1} and
 *       aliases {@code fp8_e4m3 fp8_e5m2 fp8_e4m3fnuz fp8_e5m2fnuz}
 *   <li>{@code e8m0}
 *   <li>block floating point {@code bfpBbK[eS]}: B-bit elements (sign included), K per block, S
 *       shared exponent bits (default 8)
 *   <li>microscaling {@code mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 mxint8}, with
 *       {@code kN} appended for a block size other than 32; {@code nvfp4}
 * </ul>
 */
public final class ElementFormats {
  private static final Pattern INT = Pattern.compile("(u?)int(\\d+)(n?)");
  private static final Pattern MINIFLOAT = Pattern.compile("(u?)e(\\d+)m(\\d+)(?:b(n?)(\\d+))?(fn|fnuz|fin)?(_nosub)?(_ovf)?");
  private static final Pattern BFP = Pattern.compile("bfp(\\d+)b(\\d+)(?:e(\\d+))?");
  private static final Pattern MX = Pattern.compile("mx(fp\\d+_e\\d+m\\d+|int8)(?:k(\\d+))?");
  private static final List<ElementFormat> NAMED =
      List.of(
          FloatFormat.FP32,
          FloatFormat.FP64,
          FloatFormat.FP16,
          FloatFormat.BF16,
          BoolFormat.BOOL,
          BipolarFormat.BIPOLAR,
          E8m0Format.E8M0,
          Nvfp4.NVFP4);
  private static final List<Microscaling> MX_PRESETS =
      List.of(
          Microscaling.MXFP8_E4M3,
          Microscaling.MXFP8_E5M2,
          Microscaling.MXFP6_E3M2,
          Microscaling.MXFP6_E2M3,
          Microscaling.MXFP4_E2M1,
          Microscaling.MXINT8);
  private static final String FAMILIES =
      "fp32, fp64, fp16, bf16, bool, intN, uintN, intNn, ternary, bipolar, eXmY[bB][fn|fnuz|fin][_nosub][_ovf],"
          + " e4m3fn, e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1, e8m0, bfpBbK, mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2,"
          + " mxfp6_e2m3, mxfp4_e2m1, mxint8, nvfp4";

  private ElementFormats() {}

  /** Every preset with a short name, for listings. */
  public static List<ElementFormat> presets() {
    List<ElementFormat> all = new java.util.ArrayList<>(NAMED);
    all.addAll(FormatNames.MINIFLOAT_PRESETS.values());
    all.add(Minifloat.UE4M3);
    all.add(Minifloat.UE5M3);
    all.addAll(MX_PRESETS);
    return all;
  }

  /** The format named {@code name}, or empty when the name is unknown or its parameters are out of range. */
  public static Optional<ElementFormat> lookup(String name) {
    try {
      return Optional.of(parse(name));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The format named {@code name}. Throws with the list of families for an unknown name, and with
   * the field and its allowed range for a known family with impossible parameters.
   */
  public static ElementFormat parse(String name) {
    for (ElementFormat f : NAMED) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    if (FormatNames.MINIFLOAT_PRESETS.containsKey(name)) {
      return FormatNames.MINIFLOAT_PRESETS.get(name);
    }
    if (FormatNames.ALIASES.containsKey(name)) {
      return FormatNames.ALIASES.get(name);
    }
    try {
      Matcher m = INT.matcher(name);
      if (m.matches()) {
        return new IntFormat(number(m.group(2)), m.group(1).isEmpty(), !m.group(3).isEmpty());
      }
      m = MINIFLOAT.matcher(name);
      if (m.matches()) {
        int e = number(m.group(2));
        int man = number(m.group(3));
        Minifloat.Specials specials =
            m.group(6) == null
                ? Minifloat.Specials.IEEE
                : switch (m.group(6)) {
                  case "fn" -> Minifloat.Specials.FINITE_NAN;
                  case "fnuz" -> Minifloat.Specials.FNUZ;
                  default -> Minifloat.Specials.NONE;
                };
        int bias =
            m.group(5) == null
                ? Minifloat.defaultBias(Math.max(1, Math.min(e, 8)), specials)
                : number(m.group(5)) * (m.group(4).isEmpty() ? 1 : -1);
        return new Minifloat(e, man, bias, m.group(1).isEmpty(), m.group(7) == null, specials, m.group(8) == null);
      }
      m = BFP.matcher(name);
      if (m.matches()) {
        return new BlockFloat(number(m.group(1)), number(m.group(2)), m.group(3) == null ? 8 : number(m.group(3)));
      }
      m = MX.matcher(name);
      if (m.matches()) {
        int block = m.group(2) == null ? Microscaling.SPEC_BLOCK : number(m.group(2));
        for (Microscaling p : MX_PRESETS) {
          if (p.name().equals("mx" + m.group(1))) {
            return new Microscaling(p.elementFormat(), block);
          }
        }
        throw new IllegalArgumentException("MX element must be fp8_e4m3, fp8_e5m2, fp6_e3m2, fp6_e2m3, fp4_e2m1 or int8");
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad format '" + name + "': " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("unknown element format '" + name + "' (known: " + FAMILIES + ")");
  }

  /** A scalar format for quantization: fp16 and bf16 become their minifloat equivalents. */
  public static ScalarFormat scalar(String name) {
    ElementFormat f = parse(name);
    if (f instanceof ScalarFormat s) {
      return s;
    }
    if (f.equals(FloatFormat.FP16)) {
      return Minifloat.FP16;
    }
    if (f.equals(FloatFormat.BF16)) {
      return Minifloat.BF16;
    }
    throw new IllegalArgumentException("'" + name + "' is not a scalar format with codes (use a block format's own quantizer or a format of at most 16 bits)");
  }

  private static int number(String digits) {
    if (digits.length() > 6) {
      throw new IllegalArgumentException("number " + digits + " is out of range");
    }
    return Integer.parseInt(digits);
  }
}
