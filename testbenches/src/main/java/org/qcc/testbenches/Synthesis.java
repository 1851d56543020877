// qcc synth: yosys synthesis of a design folder, with resource counts per layer as JSON.
package org.qcc.testbenches;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.qcc.backends.rtl.Manifest;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.formats.ElementFormats;

/**
 * Synthesizes the design in a folder written by {@code qcc compile --target rtl} with yosys for a
 * device family, keeping the hierarchy so each layer's module ({@code Layer<i>}) is counted on
 * its own, and writes {@code DIR/synth/DEVICE/report.json}: resources by kind for the whole design
 * and per layer, and every cell type. Run in the design's folder, so its relative weight files
 * resolve; the report is written last, under a temporary name first, so an interrupted run leaves
 * no complete-looking report.
 */
public final class Synthesis {
  private Synthesis() {}

  /**
   * Asks for single-port RAM where the generator put loaded weights (memories it names {@code
   * loadedWeights}): yosys's memory mapping prices 4 Kb block RAMs below a 256 Kb SPRAM and
   * would take them otherwise.
   */
  private static final String MARK_LOADED_WEIGHTS = "setattr -set ram_style \"huge\" *loadedWeights_*/m:Memory";

  /** What to synthesize for. */
  public enum Device {
    /** Xilinx 7-series: LUT6, carry chains, DSP48E1, block and distributed RAM. */
    xc7("synth_xilinx -family xc7 -flatten -top %s", Map.of()),
    /** Xilinx UltraScale: LUT6, carry chains, DSP48E2, block and distributed RAM. */
    xcu("synth_xilinx -family xcu -flatten -top %s", Map.of()),
    /** iCE40 HX/LP: LUT4s and block RAM, no DSPs. */
    ice40("synth_ice40 -top %s", Map.of()),
    /** iCE40 UltraPlus UP5K (the iCEBreaker's): also its DSPs and single-port RAM. */
    up5k(MARK_LOADED_WEIGHTS + "\nsynth_ice40 -dsp -spram -top %s", Map.of("lut4", 5280L, "ff", 5280L, "dsp", 8L, "bram", 30L, "spram", 4L));

    private final String command;
    private final Map<String, Long> capacity;

    Device(String command, Map<String, Long> capacity) {
      this.command = command;
      this.capacity = capacity;
    }

    /** The yosys synthesis command for top module {@code top}. */
    String command(String top) {
      return String.format(command, top);
    }

    /** Whether yosys maps to Xilinx primitives (LUT6, CARRY, DSP48, RAMB) rather than iCE40's. */
    public boolean xilinx() {
      return this == xc7 || this == xcu;
    }

    /** What the device holds, by resource kind; empty for a family of many sizes. */
    public Map<String, Long> capacity() {
      return capacity;
    }

    /** The first resource (by name) {@code total} needs more of than the device holds, as "dsp 12 > 8"; null when it fits. */
    public String overCapacity(Map<String, Long> total) {
      for (Map.Entry<String, Long> c : new TreeMap<>(capacity).entrySet()) {
        long used = total.getOrDefault(c.getKey(), 0L);
        if (used > c.getValue()) {
          return c.getKey() + " " + used + " > " + c.getValue();
        }
      }
      return null;
    }
  }

  /** One layer's resources, and the node it lowers. */
  public record LayerResources(String module, String node, Map<String, Long> resources) {}

  /**
   * The design's resources by kind in all (the top level included), per layer, every cell type in
   * all, whether it fits the device (when its size is known), and where the report went.
   */
  public record Report(String design, Device device, Map<String, Long> total, List<LayerResources> layers, Map<String, Long> cells, boolean fits, double seconds, Path file) {}

  /** Yosys 0.23 ends {@code stat -json}'s module list with a comma when no module is the top. */
  private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_TRAILING_COMMA).enable(SerializationFeature.INDENT_OUTPUT).build();

  /** Bits an iCE40 block RAM (SB_RAM40_4K) holds. */
  private static final int BRAM_BITS = 4096;

  /** Whether {@code yosys} is on the PATH. */
  public static boolean available() {
    return ExternalTool.available("yosys");
  }

  /** Synthesizes the design in {@code dir} for {@code device}; {@code progress} hears when yosys starts. */
  public static Report run(Path dir, Device device, Consumer<String> progress) {
    Manifest m = Manifest.read(dir);
    checkFits(dir, m, device);
    ExternalTool.require("yosys", "yosys");
    progress.accept("synthesizing " + m.name() + " for " + device + " with yosys (minutes for a large design)");
    Path out = dir.resolve("synth").resolve(device.name());
    Path relative = dir.relativize(out);
    try {
      Files.createDirectories(out);
      Files.deleteIfExists(out.resolve("report.json"));
      StringBuilder script = new StringBuilder("read_verilog -sv");
      m.defines().forEach(d -> script.append(" -D").append(d));
      m.sources().forEach(s -> script.append(' ').append(s));
      // Each layer stays a module, so it is counted on its own; the rest flattens into the layers,
      // which puts a memory's read and write clocks on one net: yosys 0.23 maps a memory module
      // with two clock ports to flip-flops, not block RAM.
      script.append("\nhierarchy -top ").append(m.top()).append("\nsetattr -mod -set keep_hierarchy 1 Layer*\n");
      script.append(device.command(m.top())).append('\n');
      // With a top module, yosys 0.23 prints the hierarchy as text into stat's JSON.
      script.append("setattr -mod -unset top\n");
      script.append("tee -q -o ").append(relative.resolve("stat.json")).append(" stat -json\n");
      Files.writeString(out.resolve("synth.ys"), script);
      long start = System.nanoTime();
      ExternalTool.run(dir, List.of("yosys", "-s", relative.resolve("synth.ys").toString()), out.resolve("yosys.log"));
      double seconds = (System.nanoTime() - start) / 1e9;

      Map<String, Map<String, Long>> modules = modules(JSON.readTree(out.resolve("stat.json").toFile()));
      Map<String, Map<String, Long>> flat = new HashMap<>();
      Map<String, Long> cells = flatten(m.top(), modules, flat);
      List<LayerResources> layers = new ArrayList<>();
      for (int i = 0; i < m.layers().size(); i++) {
        String module = "Layer" + i;
        if (!modules.containsKey(module)) {
          throw new ToolException("yosys's netlist has no module " + module + " (see " + out.resolve("yosys.log") + ")");
        }
        layers.add(new LayerResources(module, m.layers().get(i).node(), byKind(device, flatten(module, modules, flat))));
      }
      Map<String, Long> total = byKind(device, cells);
      boolean fits = device.overCapacity(total) == null;

      Map<String, Object> json = new LinkedHashMap<>();
      json.put("design", m.name());
      json.put("device", device.name());
      json.put("tool", "yosys: " + device.command(m.top()));
      json.put("seconds", seconds);
      json.put("total", total);
      if (!device.capacity().isEmpty()) {
        json.put("capacity", new TreeMap<>(device.capacity()));
        json.put("fits", fits);
      }
      json.put("layers", layers);
      json.put("cells", cells);
      Path report = out.resolve("report.json");
      Path partial = out.resolve("report.json.partial");
      JSON.writeValue(partial.toFile(), json);
      Files.move(partial, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Report(m.name(), device, total, layers, cells, fits, seconds, report);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Refuses, before any tool runs, a design whose weights cannot fit the device's block RAM, which
   * its weight memories (read synchronously) map to, or that loads weights into single-port RAMs
   * the device lacks.
   */
  static void checkFits(Path dir, Manifest m, Device device) {
    Long blocks = device.capacity().get("bram");
    if (blocks == null) {
      return;
    }
    long sprams = device.capacity().getOrDefault("spram", 0L);
    String remedy = m.spram() > 0 ? "a folding whose PE x SIMD weight lines fit its single-port RAMs (up to 64 bits wide, 16K lines deep)"
        : sprams > 0 ? "compile with --device " + device + " for its single-port RAMs" : "a smaller model";
    long need = 0;
    for (Manifest.Layer l : m.layers()) {
      if ("spram".equals(l.weightMemory())) {
        if (m.spram() > sprams) {
          throw new DiagnosticException(dir.toString(), "the design keeps layer " + l.node() + "'s weights in single-port RAMs (up to " + m.spram() + "), which the " + device + " does not have");
        }
        continue;
      }
      long bits = weightBits(l);
      long layerBlocks = (bits + BRAM_BITS - 1) / BRAM_BITS;
      if (layerBlocks > blocks) {
        throw new DiagnosticException(dir.toString(), "layer " + l.node() + " does not fit the " + device + ": its " + bits + " weight bits need at least " + layerBlocks
            + " block RAMs of " + BRAM_BITS + " bits, the device has " + blocks + " (narrower weights, or " + remedy + ")");
      }
      need += layerBlocks;
    }
    if (need > blocks) {
      throw new DiagnosticException(dir.toString(), "the design does not fit the " + device + ": its weights need at least " + need + " block RAMs of " + BRAM_BITS + " bits, the device has " + blocks + " (narrower weights, or " + remedy + ")");
    }
  }

  /**
   * The bits a layer's weight memories hold: every weight's code and each beat's shift, or for N:M
   * sparsity the kept weights' codes and positions.
   */
  private static long weightBits(Manifest.Layer l) {
    long weights = (long) l.rows() * l.cols();
    int codeBits = ElementFormats.scalar(l.weightFormat()).bits();
    if (l.sparsity().equals("dense")) {
      return weights * codeBits + weights / l.simd() * l.beatShiftBits();
    }
    String[] nm = l.sparsity().split(":");
    int n = Integer.parseInt(nm[0]);
    int m = Integer.parseInt(nm[1]);
    int positionBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(m - 1));
    return weights / m * n * (codeBits + positionBits);
  }

  /** Cell counts by type of every module in yosys's {@code stat -json}, names without yosys's leading backslash. */
  private static Map<String, Map<String, Long>> modules(JsonNode stat) {
    Map<String, Map<String, Long>> out = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = stat.path("modules").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      Map<String, Long> cells = new TreeMap<>();
      e.getValue().path("num_cells_by_type").fields().forEachRemaining(c -> cells.put(c.getKey(), c.getValue().asLong()));
      out.put(e.getKey().startsWith("\\") ? e.getKey().substring(1) : e.getKey(), cells);
    }
    return out;
  }

  /** The primitive cells of {@code module} with its submodules' counted in, as many times as they are instantiated. */
  private static Map<String, Long> flatten(String module, Map<String, Map<String, Long>> modules, Map<String, Map<String, Long>> done) {
    Map<String, Long> known = done.get(module);
    if (known != null) {
      return known;
    }
    Map<String, Long> cells = modules.get(module);
    if (cells == null) {
      throw new ToolException("yosys's netlist has no module " + module);
    }
    Map<String, Long> out = new TreeMap<>();
    cells.forEach((type, n) -> {
      if (modules.containsKey(type)) {
        flatten(type, modules, done).forEach((t, k) -> out.merge(t, n * k, Long::sum));
      } else {
        out.merge(type, n, Long::sum);
      }
    });
    done.put(module, out);
    return out;
  }

  /** Cells grouped into the resource kinds a designer reads for the device's family. */
  static Map<String, Long> byKind(Device device, Map<String, Long> cells) {
    Map<String, Long> out = new TreeMap<>();
    cells.forEach((type, n) -> out.merge(device.xilinx() ? xilinxKind(type) : ice40Kind(type), n, Long::sum));
    return out;
  }

  private static String xilinxKind(String type) {
    if (type.matches("LUT[1-6]")) {
      return "lut";
    }
    if (type.matches("FD[RSCP]E")) {
      return "ff";
    }
    if (type.startsWith("CARRY")) {
      return "carry";
    }
    if (type.startsWith("DSP48")) {
      return "dsp";
    }
    if (type.startsWith("RAMB18")) {
      return "bram18";
    }
    if (type.startsWith("RAMB36")) {
      return "bram36";
    }
    if (type.startsWith("RAM")) {
      return "lutram";
    }
    if (type.startsWith("MUXF")) {
      return "muxf";
    }
    if (type.startsWith("SRL")) {
      return "srl";
    }
    return "other";
  }

  private static String ice40Kind(String type) {
    return switch (type) {
      case "SB_LUT4" -> "lut4";
      case "SB_CARRY" -> "carry";
      case "SB_MAC16" -> "dsp";
      case "SB_RAM40_4K" -> "bram";
      case "SB_SPRAM256KA" -> "spram";
      default -> type.startsWith("SB_DFF") ? "ff" : "other";
    };
  }
}
