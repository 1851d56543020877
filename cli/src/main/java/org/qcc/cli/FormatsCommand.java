// qcc formats: the number formats, their ranges and every code of the small ones.
package org.qcc.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.ScalarFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "formats",
    description = "List the number formats, or show one: every code with its bits and value for formats of 8 bits or less.",
    subcommands = {FormatsCommand.ListCommand.class, FormatsCommand.ShowCommand.class},
    footer = {"%nExamples:", "  qcc formats list", "  qcc formats show e4m3fn", "  qcc formats show mxfp4_e2m1 --json"})
final class FormatsCommand implements Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Formats a listing shows besides the presets. */
  private static final List<String> LISTED_EXTRA =
      List.of("int2", "int3", "int4", "int8", "uint4", "uint8", "int8n", "ternary", "int16", "bfp8b16", "bfp4b32");

  @Command(name = "list", description = "The named formats with their ranges.")
  static final class ListCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin Common common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<ElementFormat> all = new ArrayList<>(ElementFormats.presets());
      for (String n : LISTED_EXTRA) {
        all.add(ElementFormats.parse(n));
      }
      PrintWriter out = spec.commandLine().getOut();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ElementFormat f : all) {
        rows.add(summary(f));
      }
      if (common.json) {
        Json.print(out, Map.of("formats", rows));
        return Qcc.OK;
      }
      out.printf("%-14s %-12s %5s %14s %14s %14s  %s%n", "name", "family", "bits", "max", "min normal", "min positive", "notes");
      for (Map<String, Object> r : rows) {
        out.printf("%-14s %-12s %5s %14s %14s %14s  %s%n", r.get("name"), r.get("family"), r.get("bits"),
            text(r.get("max")), text(r.get("min_normal")), text(r.get("min_positive")), r.getOrDefault("notes", ""));
      }
      out.println("Parameterised names: intN uintN intNn, [u]eXmY[bB|bnB][fn|fnuz|fin][_nosub][_ovf], bfpBbK[eS], mx*kN (see qcc formats show NAME).");
      return Qcc.OK;
    }
  }

  @Command(name = "show", description = "One format: parameters, range, specials and, for 8 bits or less, every code.")
  static final class ShowCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(paramLabel = "FORMAT", description = "A format name, e.g. e4m3fn, int4, fp6_e2m3, mxfp4_e2m1, bfp8b16.")
    String name;

    @Mixin Common common;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      ElementFormat f;
      try {
        f = ElementFormats.parse(name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Map<String, Object> o = summary(f);
      ScalarFormat codes = f instanceof BlockFormat b ? b.elementFormat() : f instanceof ScalarFormat s ? s : null;
      List<Map<String, Object>> table = new ArrayList<>();
      if (codes != null && codes.bits() <= 8) {
        for (int c = 0; c < codes.codeCount(); c++) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("code", c);
          row.put("bits", binary(c, codes.bits()));
          float v = codes.decode(c);
          row.put("value", Float.isFinite(v) ? (Object) v : Float.toString(v));
          row.put("canonical", codes.isCanonical(c));
          table.add(row);
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (common.json) {
        o.put("codes", table);
        Json.print(out, o);
        return Qcc.OK;
      }
      o.forEach((k, v) -> out.printf("%-16s %s%n", k, text(v)));
      if (!table.isEmpty()) {
        out.println();
        out.println(f instanceof BlockFormat ? "element codes (times the block's scale):" : "codes:");
        out.printf("  %5s  %-10s %s%n", "code", "bits", "value");
        for (Map<String, Object> r : table) {
          out.printf("  0x%02X   %-10s %s%s%n", r.get("code"), r.get("bits"), text(r.get("value")),
              Boolean.TRUE.equals(r.get("canonical")) ? "" : "   (alias: never produced by quantization)");
        }
      }
      return Qcc.OK;
    }
  }

  static Map<String, Object> summary(ElementFormat f) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", f.name());
    o.put("bits", f.bits());
    if (f instanceof Minifloat m) {
      o.put("family", "minifloat");
      o.put("exponent_bits", m.expBits());
      o.put("mantissa_bits", m.manBits());
      o.put("bias", m.bias());
      o.put("signed", m.signed());
      o.put("subnormals", m.subnormals());
      o.put("specials", m.specials().name());
      o.put("overflow", m.saturating() ? "saturate" : m.hasInfinity() ? "infinity" : "NaN");
    } else if (f instanceof IntFormat i) {
      o.put("family", "integer");
      o.put("signed", i.signed());
      o.put("narrow", i.narrow());
    } else if (f instanceof BlockFormat b) {
      o.put("family", "block");
      o.put("element", b.elementFormat().name());
      o.put("block_size", b.blockSize());
      o.put("scale", b.scaleFormat().name());
      o.put("bits_per_element", b.bitsPerElement());
    } else {
      o.put("family", f instanceof ScalarFormat ? "scale/other" : "storage");
    }
    ScalarFormat s = f instanceof BlockFormat b ? b.elementFormat() : f instanceof ScalarFormat sf ? sf : null;
    if (s != null && (!(s instanceof IntFormat i) || i.bits() <= 30)) {
      o.put("max", s.maxValue());
      o.put("min", s.minValue());
      o.put("min_normal", s.minNormal());
      o.put("min_positive", s.minPositive());
    }
    if (f instanceof BlockFormat) {
      o.put("notes", "element codes, before the block's step");
    }
    return o;
  }

  private static String binary(int code, int bits) {
    String b = Integer.toBinaryString(code);
    return "0".repeat(bits - b.length()) + b;
  }

  private static String text(Object v) {
    if (v == null) {
      return "-";
    }
    if (v instanceof Float f) {
      float x = f;
      return x == Math.rint(x) && Math.abs(x) < 1e7 ? Long.toString((long) x) : Float.toString(x);
    }
    return v.toString();
  }
}
