// The design space `qcc explore` searches, read from a YAML file.
package org.qcc.explore;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.formats.ElementFormats;

/**
 * Each key names the choices of one dimension; a point takes one choice of every dimension. A
 * scalar where a list is expected is a list of one.
 *
 * <pre>
 * weights: [int4, int8, e2m3fin]      # formats of every layer's weights
 * acts: [int8, e4m3fin]               # of every layer's data input
 * granularity: channel                # weight scales: tensor, channel or group
 * sparsity: [dense, "2:4"]            # N:M structured sparsity
 * ptq: [none, gptq, [equalize, bias-correct]]
 * fold: {pe: [2, 8], simd: [2, 8]}    # the most PE and SIMD lanes a layer may use
 * layers:                             # per-layer choices (names or globs), each its own dimension
 *   /fc1/Gemm: {weights: [int4, int8]}
 * evaluation: {images: 500, calibration-images: 256, technique-images: 64}
 * clock-mhz: 100
 * search: {method: grid}              # or nsga2 with population, generations, seed
 * </pre>
 */
public record Space(
    List<String> weights,
    List<String> acts,
    String granularity,
    int groupSize,
    List<String> sparsity,
    List<List<String>> ptq,
    List<Integer> pe,
    List<Integer> simd,
    List<LayerChoices> layers,
    Evaluation evaluation,
    double clockMhz,
    Search search) {

  /** The PTQ techniques a point may combine, in the order their passes run. */
  public static final List<String> TECHNIQUES = List.of("equalize", "smoothquant", "bias-correct", "gptq", "learned-round");

  /** Choices for the layers {@code pattern} matches; an empty list keeps the space-wide choice. */
  public record LayerChoices(String pattern, List<String> weights, List<String> acts) {}

  /** How each point is scored: test images, and samples for calibration and data-driven techniques. */
  public record Evaluation(int images, int calibrationImages, int techniqueImages) {
    /** The training images the data-driven passes of any point read (the first ones). */
    public int trainingImages() {
      return Math.max(calibrationImages, techniqueImages);
    }
  }

  /** grid: every point; nsga2: an evolutionary multi-objective search over the same dimensions. */
  public record Search(String method, int population, int generations, long seed) {}

  /** The most points a grid search enumerates; larger spaces are for NSGA-II. */
  public static final long MAX_GRID = 100_000;

  private static final Set<String> KEYS = Set.of("weights", "acts", "granularity", "group-size", "sparsity", "ptq", "fold", "layers", "evaluation", "clock-mhz", "search");

  public static Space read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new DiagnosticException(file.toString(), "cannot read the space file: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public static Space parse(String text, String file) {
    return new Reader(YamlDocument.parse(text, file)).space();
  }

  /** The number of points a grid search visits. */
  public long gridSize() {
    long n = (long) weights.size() * acts.size() * sparsity.size() * ptq.size() * pe.size() * simd.size();
    for (LayerChoices l : layers) {
      n *= Math.max(1, l.weights().size()) * (long) Math.max(1, l.acts().size());
    }
    return n;
  }

  /** The choices per dimension, in a fixed order; a point is one index into each. */
  List<List<?>> dimensions() {
    List<List<?>> dims = new ArrayList<>(List.of(weights, acts, sparsity, ptq, pe, simd));
    for (LayerChoices l : layers) {
      dims.add(l.weights().isEmpty() ? List.of("") : l.weights());
      dims.add(l.acts().isEmpty() ? List.of("") : l.acts());
    }
    return dims;
  }

  /** The point at {@code index}, one choice per {@link #dimensions()} entry. */
  @SuppressWarnings("unchecked")
  Point point(int[] index) {
    List<List<?>> dims = dimensions();
    Map<String, Point.LayerFormats> perLayer = new LinkedHashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      String w = (String) dims.get(6 + 2 * i).get(index[6 + 2 * i]);
      String a = (String) dims.get(7 + 2 * i).get(index[7 + 2 * i]);
      perLayer.put(layers.get(i).pattern(), new Point.LayerFormats(w.isEmpty() ? null : w, a.isEmpty() ? null : a));
    }
    return new Point(
        weights.get(index[0]), acts.get(index[1]), sparsity.get(index[2]), (List<String>) dims.get(3).get(index[3]),
        pe.get(index[4]), simd.get(index[5]), perLayer);
  }

  /** Every point, in row-major order of {@link #dimensions()}. */
  public List<Point> grid() {
    List<List<?>> dims = dimensions();
    List<Point> out = new ArrayList<>();
    int[] index = new int[dims.size()];
    while (true) {
      out.add(point(index));
      int d = dims.size() - 1;
      while (d >= 0 && ++index[d] == dims.get(d).size()) {
        index[d--] = 0;
      }
      if (d < 0) {
        return out;
      }
    }
  }

  /** Reads the document, each error naming its line and key. */
  private record Reader(YamlDocument doc) {
    Space space() {
      JsonNode root = doc.root();
      if (root == null || !root.isObject()) {
        throw doc.error("", "a space file is a mapping of dimensions (weights, acts, sparsity, ptq, fold, layers, ...)");
      }
      keys(root, "", KEYS);
      if (!root.has("weights") || !root.has("acts")) {
        throw doc.error("", "the space needs 'weights' and 'acts': the formats to try");
      }
      List<String> weights = strings("/weights", this::format);
      List<String> acts = strings("/acts", this::format);
      String granularity = root.has("granularity") ? oneOf("/granularity", text("/granularity"), List.of("tensor", "channel", "group")) : "channel";
      int groupSize = root.has("group-size") ? integer("/group-size", 1, 4096) : 32;
      List<String> sparsity = root.has("sparsity") ? strings("/sparsity", this::sparsity) : List.of("dense");
      List<List<String>> ptq = root.has("ptq") ? ptq() : List.of(List.of());
      List<Integer> pe = List.of(4);
      List<Integer> simd = List.of(4);
      if (root.has("fold")) {
        JsonNode fold = node("/fold");
        if (!fold.isObject()) {
          throw doc.error("/fold", "fold maps 'pe' and 'simd' to the largest lanes a layer may use, e.g. {pe: [2, 8], simd: [2, 8]}");
        }
        keys(fold, "/fold", Set.of("pe", "simd"));
        pe = fold.has("pe") ? integers("/fold/pe", 1, 1024) : pe;
        simd = fold.has("simd") ? integers("/fold/simd", 1, 1024) : simd;
      }
      List<LayerChoices> layers = root.has("layers") ? layers() : List.of();
      Evaluation evaluation = new Evaluation(256, 256, 64);
      if (root.has("evaluation")) {
        JsonNode e = node("/evaluation");
        if (!e.isObject()) {
          throw doc.error("/evaluation", "evaluation maps images, calibration-images and technique-images to counts");
        }
        keys(e, "/evaluation", Set.of("images", "calibration-images", "technique-images"));
        evaluation = new Evaluation(
            e.has("images") ? integer("/evaluation/images", 1, 1_000_000) : evaluation.images(),
            e.has("calibration-images") ? integer("/evaluation/calibration-images", 1, 1_000_000) : evaluation.calibrationImages(),
            e.has("technique-images") ? integer("/evaluation/technique-images", 1, 1_000_000) : evaluation.techniqueImages());
      }
      double clock = 100;
      if (root.has("clock-mhz")) {
        JsonNode c = node("/clock-mhz");
        if (!c.isNumber() || !(c.asDouble() > 0)) {
          throw doc.error("/clock-mhz", "the clock must be a positive number of MHz, got '" + c.asText() + "'");
        }
        clock = c.asDouble();
      }
      Search search = root.has("search") ? search() : new Search("grid", 0, 0, 0);
      Space space = new Space(weights, acts, granularity, groupSize, sparsity, ptq, pe, simd, layers, evaluation, clock, search);
      if (search.method().equals("grid") && space.gridSize() > MAX_GRID) {
        throw doc.error(root.has("search") ? "/search" : "", "the grid has " + space.gridSize() + " points, more than " + MAX_GRID + " to enumerate; search it with {method: nsga2}");
      }
      return space;
    }

    private JsonNode node(String pointer) {
      return doc.root().at(pointer);
    }

    private void keys(JsonNode object, String pointer, Set<String> allowed) {
      for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!allowed.contains(k)) {
          throw doc.error(pointer + "/" + escape(k), "unknown key '" + k + "' (keys: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
        }
      }
    }

    private String text(String pointer) {
      JsonNode n = node(pointer);
      if (!n.isValueNode() || n.isNull()) {
        throw doc.error(pointer, "expected a single value");
      }
      return n.asText();
    }

    private String oneOf(String pointer, String value, List<String> allowed) {
      if (!allowed.contains(value)) {
        throw doc.error(pointer, "'" + value + "' is not one of " + String.join(", ", allowed));
      }
      return value;
    }

    private int integer(String pointer, int min, int max) {
      JsonNode n = node(pointer);
      if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
        throw doc.error(pointer, "expected a whole number from " + min + " to " + max + ", got '" + n.asText() + "'");
      }
      return n.asInt();
    }

    private List<Integer> integers(String pointer, int min, int max) {
      JsonNode n = node(pointer);
      if (!n.isArray()) {
        return List.of(integer(pointer, min, max));
      }
      nonEmpty(n, pointer);
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < n.size(); i++) {
        out.add(integer(pointer + "/" + i, min, max));
      }
      return List.copyOf(out);
    }

    private List<String> strings(String pointer, Function<String, Function<String, String>> check) {
      JsonNode n = doc.root().at(pointer);
      List<String> out = new ArrayList<>();
      if (n.isArray()) {
        nonEmpty(n, pointer);
        for (int i = 0; i < n.size(); i++) {
          out.add(check.apply(pointer + "/" + i).apply(text(pointer + "/" + i)));
        }
      } else {
        out.add(check.apply(pointer).apply(text(pointer)));
      }
      return List.copyOf(out);
    }

    private void nonEmpty(JsonNode array, String pointer) {
      if (array.isEmpty()) {
        throw doc.error(pointer, "an empty list leaves nothing to explore");
      }
    }

    private Function<String, String> format(String pointer) {
      return name -> {
        if (!name.equals("none")) {
          try {
            ElementFormats.parse(name);
          } catch (IllegalArgumentException e) {
            throw doc.error(pointer, "'" + name + "' is not a number format: " + e.getMessage());
          }
        }
        return name;
      };
    }

    private Function<String, String> sparsity(String pointer) {
      return s -> {
        if (s.equals("dense")) {
          return s;
        }
        String[] nm = s.split(":");
        try {
          int n = Integer.parseInt(nm[0]);
          int m = Integer.parseInt(nm[1]);
          if (nm.length == 2 && n >= 1 && n < m && m <= 64) {
            return n + ":" + m;
          }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
          // reported below
        }
        throw doc.error(pointer, "sparsity is 'dense' or N:M with 1 <= N < M <= 64 (quote it: \"2:4\"), got '" + s + "'");
      };
    }

    private List<List<String>> ptq() {
      JsonNode n = node("/ptq");
      List<String> items = new ArrayList<>();
      if (n.isArray()) {
        nonEmpty(n, "/ptq");
        for (int i = 0; i < n.size(); i++) {
          items.add("/ptq/" + i);
        }
      } else {
        items.add("/ptq");
      }
      List<List<String>> out = new ArrayList<>();
      for (String pointer : items) {
        JsonNode item = node(pointer);
        List<String> combo = new ArrayList<>();
        if (item.isArray()) {
          for (int i = 0; i < item.size(); i++) {
            combo.add(technique(pointer + "/" + i));
          }
        } else {
          String t = text(pointer);
          if (!t.equals("none")) {
            combo.add(technique(pointer));
          }
        }
        if (combo.contains("equalize") && combo.contains("smoothquant") || combo.contains("gptq") && combo.contains("learned-round")) {
          throw doc.error(pointer, "a point takes at most one of equalize and smoothquant, and one of gptq and learned-round");
        }
        if (combo.stream().distinct().count() != combo.size()) {
          throw doc.error(pointer, "a technique is named twice");
        }
        combo.sort(Comparator.comparingInt(TECHNIQUES::indexOf));
        out.add(List.copyOf(combo));
      }
      return List.copyOf(out);
    }

    private String technique(String pointer) {
      String t = text(pointer);
      if (!TECHNIQUES.contains(t)) {
        throw doc.error(pointer, "unknown PTQ technique '" + t + "' (techniques: none, " + String.join(", ", TECHNIQUES) + ")");
      }
      return t;
    }

    private List<LayerChoices> layers() {
      JsonNode n = node("/layers");
      if (!n.isObject()) {
        throw doc.error("/layers", "layers maps layer names (or globs) to their own weights and acts choices");
      }
      List<LayerChoices> out = new ArrayList<>();
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        String pointer = "/layers/" + escape(name);
        JsonNode l = node(pointer);
        if (!l.isObject() || l.isEmpty()) {
          throw doc.error(pointer, "a layer entry maps 'weights' and/or 'acts' to formats");
        }
        keys(l, pointer, Set.of("weights", "acts"));
        out.add(new LayerChoices(
            name,
            l.has("weights") ? strings(pointer + "/weights", this::format) : List.of(),
            l.has("acts") ? strings(pointer + "/acts", this::format) : List.of()));
      }
      return List.copyOf(out);
    }

    private Search search() {
      JsonNode s = node("/search");
      if (!s.isObject()) {
        throw doc.error("/search", "search maps 'method' (grid or nsga2) and nsga2's population, generations and seed");
      }
      keys(s, "/search", Set.of("method", "population", "generations", "seed"));
      String method = s.has("method") ? oneOf("/search/method", text("/search/method"), List.of("grid", "nsga2")) : "grid";
      if (method.equals("grid")) {
        if (s.has("population") || s.has("generations")) {
          throw doc.error("/search", "population and generations are nsga2's settings; the grid visits every point");
        }
        return new Search(method, 0, 0, 0);
      }
      int population = s.has("population") ? integer("/search/population", 4, 10_000) : 16;
      int generations = s.has("generations") ? integer("/search/generations", 1, 10_000) : 4;
      long seed = s.has("seed") ? integer("/search/seed", 0, Integer.MAX_VALUE) : 1;
      return new Search(method, population, generations, seed);
    }

    private static String escape(String key) {
      return key.replace("~", "~0").replace("/", "~1");
    }
  }
}
