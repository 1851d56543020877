// The space file: dimensions, defaults, the grid, and errors that name the line and key.
package org.qcc.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;

class SpaceTest {
  private static final String SPACE =
      """
      weights: [int4, e2m1fin]
      acts: int8
      sparsity: [dense, "2:4"]
      ptq: [none, [bias-correct, equalize]]
      fold: {pe: [2, 8], simd: 4}
      layers:
        /fc1/Gemm: {weights: [int8, e4m3fin]}
      evaluation: {images: 100}
      clock-mhz: 150
      """;

  @Test
  void readsEveryDimensionAndItsDefaults() {
    Space s = Space.parse(SPACE, "space.yaml");
    assertEquals(List.of("int4", "e2m1fin"), s.weights());
    assertEquals(List.of("int8"), s.acts());
    assertEquals(List.of(List.of(), List.of("equalize", "bias-correct")), s.ptq(), "techniques in pipeline order");
    assertEquals(List.of(2, 8), s.pe());
    assertEquals(List.of(4), s.simd());
    assertEquals(new Space.Evaluation(100, 256, 64), s.evaluation());
    assertEquals("channel", s.granularity());
    assertEquals(150, s.clockMhz());
    assertEquals("grid", s.search().method());
    assertEquals(2 * 2 * 2 * 2 * 2, s.gridSize());
  }

  @Test
  void theGridVisitsEveryCombinationOnce() {
    Space s = Space.parse(SPACE, "space.yaml");
    List<Point> grid = s.grid();
    assertEquals(s.gridSize(), grid.size());
    assertEquals(grid.size(), grid.stream().distinct().count());
    Point first = grid.get(0);
    assertEquals(new Point("int4", "int8", "dense", List.of(), 2, 4, Map.of("/fc1/Gemm", new Point.LayerFormats("int8", null))), first);
    assertEquals(grid.size(), grid.stream().map(p -> p.id("ctx")).distinct().count(), "ids are distinct");
  }

  @Test
  void pointsNameTheirPipelineAndFamily() {
    Space s = Space.parse(SPACE, "space.yaml");
    Point p = new Point("e2m1fin", "int8", "2:4", List.of("equalize", "bias-correct"), 8, 4, Map.of());
    assertEquals("canonicalize,equalize{images=64},sparsify{n=2,m=4},quantize{weights=e2m1fin,acts=int8,granularity=channel},calibrate{method=mse,images=256},bias-correct{images=64}", p.pipeline(s, null));
    assertEquals("mixed", p.family());
    assertEquals("integer", new Point("int4", "int8", "dense", List.of(), 8, 4, Map.of()).family());
    assertEquals("minifloat", new Point("e2m1fin", "e4m3fin", "dense", List.of(), 8, 4, Map.of()).family());
    assertEquals("block", new Point("mxint8", "none", "dense", List.of(), 8, 4, Map.of()).family());
    Point mixed = new Point("int4", "int8", "dense", List.of("gptq"), 8, 4, Map.of("/fc1/Gemm", new Point.LayerFormats("e4m3fin", null)));
    assertEquals("mixed", mixed.family());
    assertEquals("canonicalize,quantize{weights=int4,acts=int8,granularity=channel,config=c.json},calibrate{method=mse,images=256},gptq{images=64}", mixed.pipeline(s, "c.json"));
    assertEquals("W int4 A int8 [/fc1/Gemm: e4m3fin] gptq PE<=8 SIMD<=4", mixed.label());
  }

  private static String error(String yaml) {
    return assertThrows(DiagnosticException.class, () -> Space.parse(yaml, "s.yaml")).diagnostic().toString();
  }

  @Test
  void errorsNameTheLineAndKey() {
    assertEquals("s.yaml line 3, key sparsty: unknown key 'sparsty' (keys: acts, clock-mhz, evaluation, fold, granularity, group-size, layers, ptq, search, sparsity, weights)",
        error("weights: int8\nacts: int8\nsparsty: [dense]\n"));
    assertTrue(error("weights: [int8,\n  int9x]\nacts: int8\n").startsWith("s.yaml line 2, key weights[1]: 'int9x' is not a number format"), error("weights: [int8,\n  int9x]\nacts: int8\n"));
    assertEquals("s.yaml line 3, key sparsity[1]: sparsity is 'dense' or N:M with 1 <= N < M <= 64 (quote it: \"2:4\"), got '4:2'", error("weights: int8\nacts: int8\nsparsity: [dense, \"4:2\"]\n"));
    assertEquals("s.yaml line 3, key ptq[0]: a point takes at most one of equalize and smoothquant, and one of gptq and learned-round", error("weights: int8\nacts: int8\nptq: [[gptq, learned-round]]\n"));
    assertEquals("s.yaml line 3, key ptq[1][0]: unknown PTQ technique 'awq' (techniques: none, equalize, smoothquant, bias-correct, gptq, learned-round)", error("weights: int8\nacts: int8\nptq: [none, [awq]]\n"));
    assertEquals("s.yaml line 5, key fold.pe[1]: expected a whole number from 1 to 1024, got '0'", error("weights: int8\nacts: int8\nfold:\n  pe: [4,\n     0]\n"));
    assertEquals("s.yaml line 4, key layers./fc1/Gemm.bits: unknown key 'bits' (keys: acts, weights)", error("weights: int8\nacts: int8\nlayers:\n  /fc1/Gemm: {bits: 4}\n"));
    assertEquals("s.yaml line 1: the space needs 'weights' and 'acts': the formats to try", error("weights: int8\n"));
    assertEquals("s.yaml line 2, key acts: an empty list leaves nothing to explore", error("weights: int8\nacts: []\n"));
    assertTrue(error("weights: [int8\nacts: int8\n").startsWith("s.yaml line "), "YAML syntax errors carry a line");
  }
}
