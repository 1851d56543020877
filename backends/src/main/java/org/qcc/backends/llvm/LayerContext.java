// What a layer emitter sees: its node, the function it fills, constant operands, per-image shapes.
package org.qcc.backends.llvm;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.qcc.backends.BackendException;
import org.qcc.ir.Attribute;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.ops.OpDef;

/**
 * One layer being lowered. Run-time operands arrive as function parameters ({@link #in}, {@link
 * #out}) holding {@code count} images each; constant operands are available as tensors and
 * become globals through {@link #global}. Attributes fall back to the op's schema defaults.
 */
final class LayerContext {
  private final Node node;
  private final int part;
  private final OpDef def;
  private final IrFunction function;
  private final List<Tensor> constants;
  private final List<int[]> inShapes;
  private final List<int[]> outShapes;
  private final ModelLowering.Globals globals;
  private final Optional<ExactLayer> exact;
  private final Optional<boolean[]> kept;
  private final long opset;
  private long scratchBytes;

  LayerContext(
      Node node, int part, OpDef def, IrFunction function, List<Tensor> constants, List<int[]> inShapes, List<int[]> outShapes, ModelLowering.Globals globals, Optional<ExactLayer> exact, Optional<boolean[]> kept, long opset) {
    this.node = node;
    this.part = part;
    this.def = def;
    this.function = function;
    this.constants = constants;
    this.inShapes = inShapes;
    this.outShapes = outShapes;
    this.globals = globals;
    this.exact = exact;
    this.kept = kept;
    this.opset = opset;
  }

  /** The graph's ONNX opset, for ops whose semantics changed between versions. */
  long opset() {
    return opset;
  }

  /** The layer's integer-accumulator arithmetic, when its qcc.acc names one. */
  Optional<ExactLayer> exact() {
    return exact;
  }

  /** Which elements of the layer's weight (input 1, dense layout) N:M sparsity keeps, when it is sparse. */
  Optional<boolean[]> kept() {
    return kept;
  }

  Node node() {
    return node;
  }

  /** Which output of the node this layer computes (ops lowered as one layer per output); 0 otherwise. */
  int part() {
    return part;
  }

  IrFunction f() {
    return function;
  }

  /** The pointer parameter of run-time input {@code i} (count images). */
  String in(int i) {
    if (constant(i).isPresent()) {
      throw fail("input " + i + " is a constant here; this layer needs it computed at run time");
    }
    return "%x" + i;
  }

  String out(int i) {
    return "%y" + i;
  }

  /** Images in this call, an i64 operand. */
  String count() {
    return "%count";
  }

  /** The output element a one-thread-per-output function computes, an i64 operand. */
  String index() {
    return "%idx";
  }

  /**
   * Emits {@code body(in, out)} for every element of an output of {@code dims} per image, in loops
   * over the tile or, with {@code thread}, for this thread's element: {@code out} is the element's
   * index, {@code in} is {@code image * inPer + offset + sum of its coordinates * inStrides}.
   */
  void eachOutput(int[] dims, long[] inStrides, long offset, long inPer, boolean thread, BiConsumer<String, String> body) {
    IrFunction f = function;
    if (thread) {
      String[] at = f.coordinates(index(), dims);
      body.accept(f.offset(f.mulAdd(at[0], inPer, String.valueOf(offset)), Arrays.copyOfRange(at, 1, at.length), inStrides), index());
      return;
    }
    String b = f.forLoop("0", count(), 1);
    String inBase = f.mulAdd(b, inPer, String.valueOf(offset));
    String outBase = f.let("mul nsw i64 " + b + ", " + elements(dims));
    String[] at = f.forLoops(dims);
    body.accept(f.offset(inBase, at, inStrides), f.offset(outBase, at, IrFunction.strides(dims)));
    f.endLoops(at.length);
    f.endLoop();
  }

  /** A fresh region of {@code bytes} of scratch memory (per call), 64-byte aligned, as a pointer operand. */
  String scratch(long bytes) {
    long at = (scratchBytes + 63) / 64 * 64;
    scratchBytes = at + bytes;
    return at == 0 ? "%scratch" : function.let("getelementptr inbounds i8, ptr %scratch, i64 " + at);
  }

  long scratchBytes() {
    return scratchBytes;
  }

  boolean has(int i) {
    return i < node.inputs().size() && node.inputs().get(i) != null;
  }

  Optional<Tensor> constant(int i) {
    return has(i) ? Optional.ofNullable(constants.get(i)) : Optional.empty();
  }

  /** Constant input {@code i} as fp32 values; fails when it is computed at run time. */
  float[] constantFloats(int i, String role) {
    Tensor t = constant(i).orElseThrow(() -> fail("the " + role + " must be a constant for the LLVM backend"));
    if (t instanceof FloatTensor ft && ft.format().bits() == 32) {
      return ft.data().clone();
    }
    float[] out = new float[t.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) t.getDouble(k);
    }
    return out;
  }

  int[] constantShape(int i) {
    return constant(i).map(Tensor::shape).orElseThrow();
  }

  /** Input {@code i}'s shape without its batch dimension. */
  int[] inShape(int i) {
    return inShapes.get(i);
  }

  int[] outShape(int i) {
    return outShapes.get(i);
  }

  static long elements(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  /** The module's constant data and shared helper functions. */
  ModelLowering.Globals globals() {
    return globals;
  }

  /** A global holding {@code data}; returns its IR name. */
  String global(float[] data) {
    return globals.floats(data);
  }

  String global(double[] data) {
    return globals.doubles(data);
  }

  String global(long[] data) {
    return globals.longs(data);
  }

  /** A global holding {@code values} (exact integers unless {@code el} is FLOAT) as elements of {@code el}. */
  String global(float[] values, ElemType el) {
    return switch (el) {
      case FLOAT -> global(values);
      case DOUBLE -> {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
          d[i] = values[i];
        }
        yield global(d);
      }
      case I16 -> {
        short[] h = new short[values.length];
        for (int i = 0; i < h.length; i++) {
          h[i] = (short) values[i];
        }
        yield globals.shorts(h);
      }
    };
  }

  Optional<Attribute> attr(String key) {
    Optional<Attribute> a = node.attribute(key);
    if (a.isPresent()) {
      return a;
    }
    return Optional.ofNullable(def.attributes().get(key)).map(s -> s.defaultValue());
  }

  long i(String key, long fallback) {
    return attr(key).map(a -> ((Attribute.Int) a).value()).orElse(fallback);
  }

  float f(String key, float fallback) {
    return attr(key).map(a -> ((Attribute.Float) a).value()).orElse(fallback);
  }

  String s(String key, String fallback) {
    return attr(key).map(a -> ((Attribute.Str) a).value()).orElse(fallback);
  }

  long[] ints(String key) {
    return attr(key).map(a -> ((Attribute.Ints) a).toArray()).orElse(null);
  }

  Value output() {
    return node.output(0);
  }

  /** An error naming this node and op, for what the backend cannot lower. */
  BackendException fail(String why) {
    return ModelLowering.unsupported(node, why);
  }
}
