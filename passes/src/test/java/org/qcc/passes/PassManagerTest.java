package org.qcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qcc.ir.DiagnosticException;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Value;
import org.qcc.ir.Verifier;
import org.qcc.ir.text.QirParser;
import org.qcc.passes.analysis.Users;

class PassManagerTest {
  private static final String MODEL =
      """
      graph "g" opsets("" = 17) {
        input %x: fp32[2]
        %a: fp32[2] = Relu(%x) loc("a")
        %b: fp32[2] = Identity(%a) loc("b")
        output %b
      }
      """;

  private static Graph graph() {
    Graph g = QirParser.parse(MODEL, "test");
    Verifier.standard().inferTypes(g);
    return g;
  }

  /** A registry with probes: one reads Users and preserves it, one reads it and changes the graph. */
  private static PassRegistry probes(List<String> log) {
    PassRegistry r = new PassRegistry();
    r.add(new PassInfo("read", "", "", List.of(), List.of(), o -> (g, ctx) -> {
      ctx.get(Users.ANALYSIS);
      log.add("read");
      return PassResult.modified(Users.ANALYSIS);
    }));
    r.add(new PassInfo("clobber", "", "", List.of(), List.of(), o -> (g, ctx) -> {
      ctx.get(Users.ANALYSIS);
      log.add("clobber");
      return PassResult.modified();
    }));
    r.add(new PassInfo("noop", "", "", List.of(), List.of(), o -> (g, ctx) -> PassResult.unchanged()));
    r.add(new PassInfo("break", "", "", List.of(), List.of(), o -> (g, ctx) -> {
      Node n = g.nodes().get(0);
      g.removeNode(n);
      return PassResult.modified();
    }));
    return r;
  }

  @Test
  void analysesAreCachedUntilAPassDoesNotPreserveThem() {
    List<String> log = new ArrayList<>();
    Graph g = graph();
    PassContext ctx = PassManager.build(probes(log), "read,read,noop,read,clobber,read,read").run(g);
    assertEquals(List.of("read", "read", "read", "clobber", "read", "read"), log);
    // Computed for the first read, kept through read/noop/read, dropped after clobber, computed once more.
    assertEquals(2, ctx.analyses().computations("users"));
  }

  @Test
  void verifyEachNamesThePassThatBrokeTheGraph() {
    PassManager pm = PassManager.build(probes(new ArrayList<>()), Pipeline.parse("noop,break"), new PassManager.Instrumentation(null, true));
    DiagnosticException e = assertThrows(DiagnosticException.class, () -> pm.run(graph()));
    assertTrue(e.getMessage().startsWith("pass 'break': left an invalid graph"), e.getMessage());
  }

  @Test
  void printAfterAllDumpsTheGraphAfterEveryPass() {
    List<String> dumps = new ArrayList<>();
    PassManager.build(PassRegistry.standard(), Pipeline.parse("remove-identity,dce"), new PassManager.Instrumentation(dumps::add, false)).run(graph());
    assertEquals(2, dumps.size());
    assertTrue(dumps.get(0).startsWith("// ----- after remove-identity -----\ngraph \"g\""));
    assertTrue(dumps.get(1).contains("output %b"));
  }

  @Test
  void statisticsAreKeyedByPass() {
    PassContext ctx = PassManager.build(PassRegistry.standard(), "canonicalize").run(graph());
    Map<String, Long> s = ctx.statistics();
    assertEquals(1L, s.get("canonicalize.rounds"), "nothing to change, so one round");
    assertEquals(0L, s.get("remove-identity.nodes-bypassed"), "the Identity defines the graph output, so it stays");
  }

  @Test
  void pipelinesPrintBackAsTheyParse() {
    String text = "canonicalize,fold-constants{max-elements=16},sparsify{n=2,m=4,exclude=[fc1,fc2]}";
    Pipeline p = Pipeline.parse(text);
    assertEquals(text, p.toString());
    assertEquals(Map.of("n", "2", "m", "4", "exclude", "[fc1,fc2]"), p.steps().get(2).options());
    assertEquals(text, Pipeline.parse(" canonicalize , fold-constants{ max-elements = 16 }, sparsify{n=2,m=4,exclude=[fc1,fc2]}").toString());
  }

  @Test
  void badPipelinesFailBeforeAnyPassRuns() {
    List<String> log = new ArrayList<>();
    Graph g = graph();
    assertThrows(DiagnosticException.class, () -> PassManager.build(probes(log), "read,nosuch").run(g));
    assertTrue(log.isEmpty());
    assertThrows(DiagnosticException.class, () -> Pipeline.parse(""));
    assertThrows(DiagnosticException.class, () -> Pipeline.parse("a{n=1,n=2}"));
    assertThrows(DiagnosticException.class, () -> Pipeline.parse("a{x=[1,2}"));
  }

  @Test
  void optionKindsCheckTheirValues() {
    assertEquals(3, new PassOption.Int("n", 2, 1, 8, "").parse("3"));
    assertThrows(IllegalArgumentException.class, () -> new PassOption.Int("n", 2, 1, 8, "").parse("x"));
    assertEquals(0.5, new PassOption.Real("p", 1, 0, 1, "").parse("0.5"));
    assertThrows(IllegalArgumentException.class, () -> new PassOption.Real("p", 1, 0, 1, "").parse("nan"));
    assertEquals(true, new PassOption.Flag("f", false, "").parse("true"));
    assertThrows(IllegalArgumentException.class, () -> PassOption.choice("m", "a", "", "a", "b").parse("c"));
    assertEquals("int4", new PassOption.Format("w", "none", "").parse("int4").name());
    assertThrows(IllegalArgumentException.class, () -> new PassOption.Format("w", "none", "").parse("int0"));
    assertEquals(List.of("a", "b"), new PassOption.Names("x", "").parse("[a, b]"));
  }

  @Test
  void everyRegisteredPassIsDocumented() {
    for (PassInfo p : PassRegistry.standard().all()) {
      assertTrue(p.name().matches("[a-z][a-z0-9-]*"), p.name());
      assertTrue(!p.summary().isBlank() && !p.description().isBlank(), p.name());
      for (PassOption<?> o : p.options()) {
        assertTrue(!o.doc().isBlank(), p.name() + "." + o.name());
      }
    }
  }

  @Test
  void unusedValueLookupsSeeGraphOutputs() {
    Graph g = graph();
    Users u = new AnalysisManager(g).get(Users.ANALYSIS);
    Value a = g.nodes().get(0).output(0);
    assertTrue(u.onlyUser(a, g.nodes().get(1)));
    assertTrue(u.isGraphOutput(g.outputs().get(0)));
  }
}
