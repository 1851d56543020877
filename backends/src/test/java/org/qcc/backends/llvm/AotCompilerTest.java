// The AOT object, header and example, built with the system C compiler, against the interpreter.
package org.qcc.backends.llvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.simulator.functional.Interpreter;

class AotCompilerTest {
  @TempDir Path dir;

  @Test
  void theCExampleBuildsWithGccAndMatchesTheInterpreter() throws Exception {
    Graph g = BundledModels.model("cnn", "canonicalize,quantize{weights=int4,acts=int8},calibrate");
    AotCompiler.Result r = AotCompiler.write(g, dir, "fashion_cnn", false);
    assertTrue(Files.readString(dir.resolve("fashion_cnn.h")).contains("#define QCC_FASHION_CNN_INPUT0_ELEMENTS 784"));
    Tools.run(dir, "gcc", "-std=c99", "-Wall", "-Werror", "-O2", "fashion_cnn_example.c", "fashion_cnn.o", "-o", "example");
    int images = 21;
    FloatTensor x = BundledModels.testSet().batch(0, images);
    ByteBuffer in = ByteBuffer.allocate(x.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
    in.asFloatBuffer().put(x.data());
    Files.write(dir.resolve("in.f32"), in.array());
    Tools.run(dir, "./example", "in.f32", "out.f32");
    float[] actual = new float[images * 10];
    ByteBuffer.wrap(Files.readAllBytes(dir.resolve("out.f32"))).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(actual);
    float[] expected = ((FloatTensor) new Interpreter(g).run(List.of(x)).get(0)).data();
    assertArrayEquals(expected, actual);
    assertEquals(3, r.files().size());
  }
}
