// One configuration of a design space: formats, sparsity, PTQ techniques and folding.
package org.qcc.explore;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;

/**
 * {@code layers} maps a layer name or glob to the formats that differ from the space-wide ones
 * (null: the space-wide choice). {@code pe} and {@code simd} bound each layer's folding.
 */
public record Point(String weights, String acts, String sparsity, List<String> ptq, int pe, int simd, Map<String, LayerFormats> layers) implements Serializable {

  public record LayerFormats(String weights, String acts) implements Serializable {}

  public Point {
    ptq = List.copyOf(ptq);
    layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
  }

  /** Every format the point quantizes to, "none" left out. */
  private Stream<String> formats() {
    Stream<String> overrides = layers.values().stream().flatMap(l -> Stream.of(l.weights(), l.acts()));
    return Stream.concat(Stream.of(weights, acts), overrides).filter(f -> f != null && !f.equals("none"));
  }

  /** integer, minifloat or block when every format is of that kind, else mixed (fp32 when none). */
  public String family() {
    List<String> kinds = formats().map(ElementFormats::parse).map(Point::kind).distinct().toList();
    return kinds.isEmpty() ? "fp32" : kinds.size() == 1 ? kinds.get(0) : "mixed";
  }

  private static String kind(ElementFormat f) {
    return f instanceof IntFormat ? "integer" : f instanceof Minifloat ? "minifloat" : f instanceof BlockFormat ? "block" : "other";
  }

  /** Whether any layer's activations are quantized, so calibration has thresholds to find. */
  boolean quantizesActs() {
    return !acts.equals("none") || layers.values().stream().anyMatch(l -> l.acts() != null && !l.acts().equals("none"));
  }

  /** The per-layer quantize config (the {@code layers} section of a quantize config file), empty when none. */
  Map<String, Map<String, String>> quantizeLayers() {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    layers.forEach((pattern, f) -> {
      Map<String, String> o = new LinkedHashMap<>();
      if (f.weights() != null) {
        o.put("weights", f.weights());
      }
      if (f.acts() != null) {
        o.put("acts", f.acts());
      }
      if (!o.isEmpty()) {
        out.put(pattern, o);
      }
    });
    return out;
  }

  /**
   * The pass pipeline: transforms that act before quantization (equalize, smoothquant), pruning,
   * quantize, calibration, then the techniques that adjust quantized weights (gptq or
   * learned-round, then bias-correct, which corrects whatever error they leave). Every
   * data-driven pass is given its image count, so a point reads only the first
   * {@link Space.Evaluation#trainingImages()} training images, all a remote worker is sent.
   */
  public String pipeline(Space space, String configFile) {
    String images = "{images=" + space.evaluation().techniqueImages() + "}";
    List<String> steps = new ArrayList<>();
    steps.add("canonicalize");
    if (ptq.contains("equalize")) {
      steps.add("equalize" + images);
    }
    if (ptq.contains("smoothquant")) {
      steps.add("smoothquant" + images);
    }
    if (!sparsity.equals("dense")) {
      String[] nm = sparsity.split(":");
      steps.add("sparsify{n=" + nm[0] + ",m=" + nm[1] + "}");
    }
    StringBuilder q = new StringBuilder("quantize{weights=").append(weights).append(",acts=").append(acts).append(",granularity=").append(space.granularity());
    if (space.granularity().equals("group")) {
      q.append(",group-size=").append(space.groupSize());
    }
    if (configFile != null) {
      q.append(",config=").append(configFile);
    }
    steps.add(q.append('}').toString());
    if (quantizesActs()) {
      steps.add("calibrate{method=mse,images=" + space.evaluation().calibrationImages() + "}");
    }
    for (String t : List.of("gptq", "learned-round", "bias-correct")) {
      if (ptq.contains(t)) {
        steps.add(t + images);
      }
    }
    return String.join(",", steps);
  }

  /** The point as stored: every choice by name. */
  public Map<String, Object> describe() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("weights", weights);
    o.put("acts", acts);
    o.put("sparsity", sparsity);
    o.put("ptq", ptq);
    o.put("pe", pe);
    o.put("simd", simd);
    Map<String, Object> l = new LinkedHashMap<>(quantizeLayers());
    if (!l.isEmpty()) {
      o.put("layers", l);
    }
    return o;
  }

  /** A one-line summary, e.g. "W int4 A int8 2:4 gptq PE<=4 SIMD<=4". */
  public String label() {
    StringBuilder s = new StringBuilder("W ").append(weights).append(" A ").append(acts);
    quantizeLayers().forEach((layer, o) -> s.append(" [").append(layer).append(": ").append(String.join(" ", o.values())).append(']'));
    if (!sparsity.equals("dense")) {
      s.append(' ').append(sparsity);
    }
    if (!ptq.isEmpty()) {
      s.append(' ').append(String.join("+", ptq));
    }
    return s.append(" PE<=").append(pe).append(" SIMD<=").append(simd).toString();
  }

  /** A stable key from the point's choices and whatever else shapes its results ({@code context}). */
  public String id(String context) {
    return Sha256.hex((context + "\n" + describe()).getBytes(StandardCharsets.UTF_8)).substring(0, 24);
  }
}
