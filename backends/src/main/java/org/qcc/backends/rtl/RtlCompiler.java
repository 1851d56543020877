// qcc compile --target rtl: a quantized network as SystemVerilog, weight memories and a manifest.
package org.qcc.backends.rtl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.qcc.hw.HwGenerators;
import org.qcc.ir.Graph;

/**
 * Writes {@code DIR/NAME.sv} (the layer chain, top module {@code LayerChain}), {@code
 * DIR/weights/layerI_peP.hex} (its weight memories, loaded by {@code $readmemh} under {@code
 * ENABLE_INITIAL_MEM_}) and {@code DIR/NAME.json}, the manifest: per layer its shape, formats,
 * folding, accumulator and cycles per image. The SystemVerilog is written last, to a temporary name
 * first, so a failed run never leaves a complete-looking design.
 */
public final class RtlCompiler {
  private RtlCompiler() {}

  /** What was written, and the lowered chain. */
  public record Result(List<Path> files, ChainPlan plan, long cyclesPerImage) {}

  public static Result write(Graph g, Path dir, String name, int maxPe, int maxSimd) {
    ChainPlan plan = ChainPlan.of(g, maxPe, maxSimd);
    try {
      Files.createDirectories(dir);
      Path weights = dir.resolve("weights");
      String sv = HwGenerators.layerChain(plan.hardware(), weights);
      List<Map<String, Object>> layers = new ArrayList<>();
      long cycles = 0;
      for (ChainPlan.Layer l : plan.layers()) {
        Map<String, Object> m = new LinkedHashMap<>();
        long layerCycles = (long) (l.rows() / l.pe()) * (l.cols() / l.simd());
        m.put("node", l.node().name());
        m.put("rows", l.rows());
        m.put("cols", l.cols());
        m.put("data_format", l.exact().dataFormat().name());
        m.put("weight_format", l.exact().weightFormat().name());
        m.put("accumulator_bits", l.exact().accumulator().bits());
        m.put("pe", l.pe());
        m.put("simd", l.simd());
        m.put("cycles_per_image", layerCycles);
        m.put("output", l.next() == null ? "exact sums" : l.next().name() + " codes, by thresholds");
        layers.add(m);
        cycles = Math.max(cycles, layerCycles);
      }
      Map<String, Object> manifest = new LinkedHashMap<>();
      manifest.put("top", "LayerChain");
      manifest.put("sources", List.of(name + ".sv"));
      manifest.put("defines", List.of("ENABLE_INITIAL_MEM_"));
      manifest.put("cycles_per_image", cycles);
      manifest.put("layers", layers);
      Path json = dir.resolve(name + ".json");
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), manifest);
      Path out = dir.resolve(name + ".sv");
      Path partial = dir.resolve(name + ".sv.partial");
      Files.writeString(partial, sv);
      Files.move(partial, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      List<Path> files = new ArrayList<>(List.of(out, json));
      try (Stream<Path> hex = Files.list(weights)) {
        hex.sorted().forEach(files::add);
      }
      return new Result(files, plan, cycles);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
