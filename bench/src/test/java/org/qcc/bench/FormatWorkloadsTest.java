package org.qcc.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FormatWorkloadsTest {
  @Test
  void jmhParametersAreExactlyTheBenchRows() throws NoSuchFieldException {
    String[] params = FormatsBenchmark.class.getField("row").getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
    assertArrayEquals(FormatWorkloads.ROWS, params);
  }

  @Test
  void everyRowRunsAndTheDataIsReproducible() {
    FormatWorkloads w = new FormatWorkloads(8, 64);
    assertEquals(FormatWorkloads.ROWS.length, w.all().size());
    w.all().values().forEach(Runnable::run);
    assertArrayEquals(w.input(), new FormatWorkloads(8, 64).input());
  }

  @Test
  void badShapesAndRowsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new FormatWorkloads(4, 48));
    assertThrows(IllegalArgumentException.class, () -> new FormatWorkloads(4, 64).row("int3"));
  }
}
