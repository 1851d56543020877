// qcc IR graph -> one LLVM module computing the whole model over a batch.
package org.qcc.backends.llvm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qcc.backends.BackendException;
import org.qcc.backends.ConstantValues;
import org.qcc.ir.Dim;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.ops.OpDef;
import org.qcc.ir.ops.OpRegistry;
import org.qcc.ir.ops.SparseWeight;

/**
 * Lowers a graph whose run-time values are fp32 tensors with a leading batch dimension and
 * static per-image shapes. Subgraphs of constants (quantized weights, densified sparse weights,
 * shape arithmetic) are evaluated at compile time by the golden interpreter, so they are exact by
 * construction. Every remaining node becomes one internal function over a tile of images; the
 * model function walks the batch tile by tile through a caller-provided workspace, which makes it
 * reentrant: threads may run disjoint parts of a batch with their own workspaces.
 *
 * <p>ABI: {@code void NAME(const float *const *inputs, float *const *outputs, int64_t batch, void
 * *workspace)}; {@code NAME_entry(void **args)} takes the same four as an array (the JIT's door).
 */
public final class ModelLowering {
  /** Images per tile: enough rows for the GEMM's register tiles to reuse each weight load. */
  static final int TILE = 16;

  /** Ops that only reinterpret the per-image shape of a row-major buffer. */
  private static final Set<String> VIEWS = Set.of("Flatten", "Reshape", "Identity", "Squeeze", "Unsqueeze", "Dropout");

  private static final Map<String, String> ARITHMETIC = Map.of("Add", "fadd", "Sub", "fsub", "Mul", "fmul", "Div", "fdiv");

  private ModelLowering() {}

  /** How each layer's code is written. */
  enum Style {
    /** One function per layer looping over a tile of images, register-tiled and vectorized for the host. */
    LOOPS,
    /**
     * One function per layer computing a single output element, as a GPU thread does; on the host
     * a loop over the tile's elements calls it (which checks GPU kernels on any machine).
     */
    THREADS
  }

  /** Lowers {@code g} for {@code target}; {@code symbol} names the model function. */
  public static LoweredModel lower(Graph g, TargetSpec target, String symbol) {
    return lower(g, target, symbol, Style.LOOPS).host();
  }

  /**
   * Lowers {@code g} to one kernel per layer, one GPU thread per output element, for the NVPTX
   * target; {@link KernelModel#launches} says how to run them.
   */
  public static KernelModel lowerKernels(Graph g, String symbol) {
    return lower(g, null, symbol, Style.THREADS).kernels();
  }

  /** Both products of one lowering: the host module and, for {@link Style#THREADS}, the GPU kernels. */
  record Lowered(LoweredModel host, KernelModel kernels) {}

  static Lowered lower(Graph g, TargetSpec target, String symbol, Style style) {
    int lanes = target == null ? 1 : target.vectorBytes() / 4;
    Map<Value, Tensor> constants = ConstantValues.evaluate(g);
    long opset = g.onnxOpset(21);
    Map<Value, Integer> slotOf = new HashMap<>();
    List<Long> slots = new ArrayList<>(); // per-image floats of each slot
    Map<Value, int[]> image = new HashMap<>();
    for (Value in : g.inputs()) {
      image.put(in, perImage(in, "input '" + in.name() + "'"));
      slotOf.put(in, slots.size());
      slots.add(LayerContext.elements(image.get(in)));
    }
    Globals globals = new Globals();
    StringBuilder functions = new StringBuilder();
    StringBuilder kernels = new StringBuilder();
    StringBuilder hostLoops = new StringBuilder();
    List<LayerCall> calls = new ArrayList<>();
    List<KernelModel.Launch> launches = new ArrayList<>();
    long scratch = 0;
    int index = 0;
    Fusions fusions = Fusions.of(g, constants);
    for (Node n : g.nodes()) {
      if (n.outputs().stream().allMatch(constants::containsKey)) {
        continue;
      }
      List<int[]> inShapes = new ArrayList<>();
      List<Tensor> consts = new ArrayList<>();
      for (Value v : n.inputs()) {
        consts.add(v == null ? null : constants.get(v));
        inShapes.add(v == null || constants.containsKey(v) ? null : image.get(v));
      }
      List<int[]> outShapes = new ArrayList<>();
      for (Value v : n.outputs()) {
        int[] s = perImage(v, "node '" + n.name() + "' (" + n.qualifiedOp() + ")");
        image.put(v, s);
        outShapes.add(s);
      }
      if (fusions.absorbed().containsKey(n)) {
        // The producing layer applied it in its epilogue, into the same slot.
        slotOf.put(n.output(0), slotOf.get(fusions.absorbed().get(n)));
        continue;
      }
      if (VIEWS.contains(n.qualifiedOp())) {
        Value src = n.inputs().get(0);
        if (constants.containsKey(src) || LayerContext.elements(image.get(src)) != LayerContext.elements(image.get(n.output(0)))) {
          throw unsupported(n, "a view that changes the number of elements per image");
        }
        slotOf.put(n.output(0), slotOf.get(src));
        continue;
      }
      // Split lowers as one layer per output; other ops have one output.
      int parts = n.qualifiedOp().equals("Split") ? n.outputs().size() : 1;
      if (n.outputs().size() > parts) {
        throw unsupported(n, "only the first output is supported");
      }
      for (Value v : n.outputs()) {
        slotOf.put(v, slots.size());
        slots.add(LayerContext.elements(image.get(v)));
      }
      Optional<ExactLayer> exact = exactLayer(n, g);
      Optional<boolean[]> kept = keptWeights(n, g);
      boolean relu = fusions.relu().contains(n);
      float[] bias = fusions.bias().get(n);
      for (int part = 0; part < parts; part++) {
        String name = "layer" + index++;
        List<String> pointers = new ArrayList<>(); // %x<i> for each run-time input, then %y0
        List<Integer> args = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
          Value v = n.inputs().get(i);
          if (v != null && !constants.containsKey(v)) {
            pointers.add("%x" + i);
            args.add(slotOf.get(v));
          }
        }
        pointers.add("%y0");
        args.add(slotOf.get(n.output(part)));
        String params = list(pointers, "ptr noalias ");
        // Not inlined into the model function: one large function costs the optimizer twice the time for no gain.
        String layerSignature = "internal void @" + name + "(" + params + "ptr noalias %scratch, i64 %count) noinline";
        if (style == Style.LOOPS) {
          IrFunction f = new IrFunction(layerSignature);
          LayerContext ctx = new LayerContext(n, part, definition(n), f, consts, inShapes, outShapes, globals, exact, kept, opset);
          lowerLayer(ctx, lanes, relu, bias);
          scratch = Math.max(scratch, ctx.scratchBytes());
          functions.append('\n').append(f.text());
        } else {
          IrFunction at = new IrFunction("internal void @" + name + "_at(" + params + "i64 %idx)");
          lowerElement(new LayerContext(n, part, definition(n), at, consts, inShapes, outShapes, globals, exact, kept, opset), relu, bias);
          long threads = LayerContext.elements(outShapes.get(part));
          String kernel = symbol + "_" + name;
          functions.append('\n').append(at.text());
          hostLoops.append('\n').append(hostLoop(layerSignature, name, list(pointers, "ptr "), threads));
          kernels.append('\n').append(kernel(kernel, name, params, list(pointers, "ptr ")));
          launches.add(new KernelModel.Launch(kernel, args, threads));
        }
        calls.add(new LayerCall("@" + name, args));
      }
    }
    for (Value out : g.outputs()) {
      if (constants.containsKey(out) || !slotOf.containsKey(out)) {
        throw new BackendException("output '" + out.name() + "' is a constant; the LLVM backend compiles models whose outputs depend on their inputs");
      }
    }
    Layout layout = Layout.of(slots, scratch);
    List<TensorInfo> ins = g.inputs().stream().map(v -> new TensorInfo(v.name(), image.get(v))).toList();
    List<TensorInfo> outs = g.outputs().stream().map(v -> new TensorInfo(v.name(), image.get(v))).toList();
    LoweredModel host = null;
    if (target != null) {
      String ir = "; qcc model for " + target.triple() + " (" + target.cpu() + ")\n" + globals.declarations() + functions + hostLoops + modelFunction(g, symbol, slotOf, image, layout, calls) + vectorIntrinsics(lanes) + INTRINSICS;
      host = new LoweredModel(symbol, new ModuleText(ir, globals.bytes()), ins, outs, layout.bytes());
    }
    KernelModel kernelModel = null;
    if (style == Style.THREADS) {
      String ir = "; qcc kernels, one thread per output element\n" + globals.declarations() + functions + kernels + INTRINSICS + THREAD_INTRINSICS;
      int[] inSlots = g.inputs().stream().mapToInt(slotOf::get).toArray();
      int[] outSlots = g.outputs().stream().mapToInt(slotOf::get).toArray();
      kernelModel = new KernelModel(symbol, new ModuleText(ir, globals.bytes()), ins, outs, List.copyOf(slots), inSlots, outSlots, launches);
    }
    return new Lowered(host, kernelModel);
  }

  /** The host's stand-in for a grid: the layer function calls the element function for every output of the tile. */
  private static String hostLoop(String signature, String name, String arguments, long threadsPerImage) {
    IrFunction f = new IrFunction(signature);
    String idx = f.forLoop("0", f.let("mul nsw i64 %count, " + threadsPerImage), 1);
    f.emit("call void @" + name + "_at(" + arguments + "i64 " + idx + ")");
    f.endLoop();
    return f.text();
  }

  /** A PTX kernel: the global thread index from block and thread ids, a bounds check, the element function. */
  private static String kernel(String kernel, String name, String params, String arguments) {
    return "define ptx_kernel void @" + kernel + "(" + params + "i64 %total) {\n"
        + "entry:\n"
        + "  %tid = call i32 @llvm.nvvm.read.ptx.sreg.tid.x()\n"
        + "  %ntid = call i32 @llvm.nvvm.read.ptx.sreg.ntid.x()\n"
        + "  %ctaid = call i32 @llvm.nvvm.read.ptx.sreg.ctaid.x()\n"
        + "  %t = zext i32 %tid to i64\n"
        + "  %n = zext i32 %ntid to i64\n"
        + "  %c = zext i32 %ctaid to i64\n"
        + "  %first = mul nuw i64 %c, %n\n"
        + "  %idx = add nuw i64 %first, %t\n"
        + "  %live = icmp ult i64 %idx, %total\n"
        + "  br i1 %live, label %run, label %done\n"
        + "run:\n"
        + "  call void @" + name + "_at(" + arguments + "i64 %idx)\n"
        + "  br label %done\n"
        + "done:\n"
        + "  ret void\n"
        + "}\n";
  }

  /** Each name with its type in front, comma-terminated: the leading part of a parameter or argument list. */
  private static String list(List<String> names, String type) {
    StringBuilder s = new StringBuilder();
    for (String n : names) {
      s.append(type).append(n).append(", ");
    }
    return s.toString();
  }

  /** {@code relu} and {@code bias} (null for none): fused nodes the layer applies before storing. */
  private static void lowerLayer(LayerContext c, int lanes, boolean relu, float[] bias) {
    switch (c.node().qualifiedOp()) {
      case "Conv" -> ConvLayer.emit(c, lanes, relu);
      case "Gemm" -> DenseLayer.emit(c, lanes, relu, null);
      case "MatMul" -> {
        if (c.constant(1).isPresent()) {
          DenseLayer.emit(c, lanes, relu, bias);
        } else {
          BatchedMatMulLayer.emit(c);
        }
      }
      case "Relu", "Erf" -> ElementwiseLayer.unary(c);
      case "Transpose", "Split" -> TensorLayer.emit(c, false);
      case "LayerNormalization" -> NormLayer.layerNorm(c);
      case "Softmax" -> NormLayer.softmax(c);
      case "ReduceMean", "ReduceSum" -> ReduceLayer.emit(c, false);
      case "Add", "Sub", "Mul", "Div" -> ElementwiseLayer.binary(c, ARITHMETIC.get(c.node().qualifiedOp()));
      case "MaxPool", "AveragePool" -> PoolLayer.emitWindow(c, c.node().qualifiedOp().equals("MaxPool"));
      case "GlobalAveragePool", "GlobalMaxPool" -> PoolLayer.emitGlobal(c, c.node().qualifiedOp().equals("GlobalMaxPool"));
      case "qcc.FakeQuant" -> FakeQuantLayer.emit(c);
      default -> throw c.fail("the LLVM backend cannot lower this op yet");
    }
  }

  private static void lowerElement(LayerContext c, boolean relu, float[] bias) {
    switch (c.node().qualifiedOp()) {
      case "Conv" -> ConvLayer.emitAt(c, relu);
      case "Gemm" -> DenseLayer.emitAt(c, relu, null);
      case "MatMul" -> {
        if (c.constant(1).isPresent()) {
          DenseLayer.emitAt(c, relu, bias);
        } else {
          BatchedMatMulLayer.emitAt(c);
        }
      }
      case "Relu", "Erf" -> ElementwiseLayer.unaryAt(c);
      case "Transpose", "Split" -> TensorLayer.emit(c, true);
      case "LayerNormalization" -> NormLayer.layerNormAt(c);
      case "Softmax" -> NormLayer.softmaxAt(c);
      case "ReduceMean", "ReduceSum" -> ReduceLayer.emit(c, true);
      case "Add", "Sub", "Mul", "Div" -> ElementwiseLayer.binaryAt(c, ARITHMETIC.get(c.node().qualifiedOp()));
      case "MaxPool", "AveragePool" -> PoolLayer.emitWindowAt(c, c.node().qualifiedOp().equals("MaxPool"));
      case "GlobalAveragePool", "GlobalMaxPool" -> PoolLayer.emitGlobalAt(c, c.node().qualifiedOp().equals("GlobalMaxPool"));
      case "qcc.FakeQuant" -> FakeQuantLayer.emitAt(c);
      default -> throw c.fail("the LLVM backend cannot lower this op yet");
    }
  }

  static BackendException unsupported(Node n, String why) {
    return BackendException.at(n, why);
  }

  /** The layer's integer accumulation, or a compile-time error naming it when its annotations are inconsistent. */
  static Optional<ExactLayer> exactLayer(Node n, Graph g) {
    try {
      return ExactLayer.of(n, g);
    } catch (IllegalArgumentException e) {
      throw unsupported(n, e.getMessage());
    }
  }

  /** Which weights of the layer N:M sparsity keeps, when it is sparse; bad indices fail at compile time, naming the qcc.Densify that holds them. */
  private static Optional<boolean[]> keptWeights(Node n, Graph g) {
    Optional<SparseWeight> w = n.domain().isEmpty() ? SparseWeight.of(n, g) : Optional.empty();
    try {
      return w.map(SparseWeight::kept);
    } catch (IllegalArgumentException e) {
      throw unsupported(n.inputs().get(1).producer(), e.getMessage());
    }
  }

  private static OpDef definition(Node n) {
    return OpRegistry.standard().lookup(n.domain(), n.opType()).orElseThrow(() -> unsupported(n, "unknown op"));
  }

  /** The shape of one image: every dimension after the batch, all static and the value fp32. */
  private static int[] perImage(Value v, String where) {
    if (!v.type().format().equals(FloatFormat.FP32)) {
      throw new BackendException(where + ": the LLVM backend computes fp32 tensors, '" + v.name() + "' is " + v.type().format().name());
    }
    if (!v.type().shape().ranked() || v.type().shape().rank() < 1) {
      throw new BackendException(where + ": '" + v.name() + "' needs a leading batch dimension and a known rank (run infer-shapes)");
    }
    List<Dim> dims = v.type().shape().dims();
    int[] s = new int[dims.size() - 1];
    for (int d = 1; d < dims.size(); d++) {
      if (!(dims.get(d) instanceof Dim.Fixed fx)) {
        throw new BackendException(where + ": dimension " + d + " of '" + v.name() + "' is not static (" + v.type() + ")");
      }
      s[d - 1] = Math.toIntExact(fx.size());
    }
    return s;
  }

  /** A layer function and the workspace slots of its run-time inputs and outputs, in parameter order. */
  private record LayerCall(String function, List<Integer> slots) {}

  /** Workspace offsets: one region per slot for a whole tile, then the scratch. All 64-byte aligned. */
  private record Layout(long[] offsets, long scratchOffset, long bytes) {
    static Layout of(List<Long> slots, long scratchBytes) {
      long[] off = new long[slots.size()];
      long at = 0;
      for (int i = 0; i < off.length; i++) {
        off[i] = at;
        at += align(slots.get(i) * TILE * 4);
      }
      return new Layout(off, at, at + align(scratchBytes));
    }

    private static long align(long bytes) {
      return (bytes + 63) / 64 * 64;
    }
  }

  private static String modelFunction(Graph g, String symbol, Map<Value, Integer> slotOf, Map<Value, int[]> image, Layout layout, List<LayerCall> calls) {
    IrFunction f = new IrFunction("void @" + symbol + "(ptr noalias %inputs, ptr noalias %outputs, i64 %batch, ptr noalias %ws)");
    String[] slot = new String[layout.offsets().length];
    for (int i = 0; i < slot.length; i++) {
      slot[i] = f.let("getelementptr inbounds i8, ptr %ws, i64 " + layout.offsets()[i]);
    }
    String scratch = f.let("getelementptr inbounds i8, ptr %ws, i64 " + layout.scratchOffset());
    String t0 = f.forLoop("0", "%batch", TILE);
    String left = f.let("sub nsw i64 %batch, " + t0);
    String count = f.let("select i1 " + f.let("icmp slt i64 " + left + ", " + TILE) + ", i64 " + left + ", i64 " + TILE);
    for (int i = 0; i < g.inputs().size(); i++) {
      Value v = g.inputs().get(i);
      copy(f, f.let("load ptr, ptr " + f.let("getelementptr inbounds ptr, ptr %inputs, i64 " + i)), t0, slot[slotOf.get(v)], count, LayerContext.elements(image.get(v)), true);
    }
    for (LayerCall call : calls) {
      StringBuilder a = new StringBuilder();
      for (int s : call.slots()) {
        a.append("ptr ").append(slot[s]).append(", ");
      }
      f.emit("call void " + call.function() + "(" + a + "ptr " + scratch + ", i64 " + count + ")");
    }
    for (int i = 0; i < g.outputs().size(); i++) {
      Value v = g.outputs().get(i);
      copy(f, f.let("load ptr, ptr " + f.let("getelementptr inbounds ptr, ptr %outputs, i64 " + i)), t0, slot[slotOf.get(v)], count, LayerContext.elements(image.get(v)), false);
    }
    f.endLoop();
    IrFunction entry = new IrFunction("void @" + symbol + "_entry(ptr %args)");
    String[] field = new String[4];
    String[] types = {"ptr", "ptr", "i64", "ptr"};
    for (int i = 0; i < 4; i++) {
      field[i] = entry.let("load " + types[i] + ", ptr " + entry.let("getelementptr inbounds i64, ptr %args, i64 " + i));
    }
    entry.emit("call void @" + symbol + "(ptr " + field[0] + ", ptr " + field[1] + ", i64 " + field[2] + ", ptr " + field[3] + ")");
    return "\n" + f.text() + "\n" + entry.text();
  }

  /** Copies a tile between a caller's tensor (at image {@code t0}) and its workspace slot. */
  private static void copy(IrFunction f, String tensor, String t0, String slot, String count, long per, boolean in) {
    String at = f.floatAt(tensor, f.let("mul nsw i64 " + t0 + ", " + per));
    String bytes = f.let("mul nsw i64 " + count + ", " + per * 4);
    f.emit("call void @llvm.memcpy.p0.p0.i64(ptr " + (in ? slot : at) + ", ptr " + (in ? at : slot) + ", i64 " + bytes + ", i1 false)");
  }

  /** Vector intrinsics on full float vectors, and on half-width ones for the double-element GEMM (its float epilogue too). */
  private static String vectorIntrinsics(int lanes) {
    StringBuilder d = new StringBuilder("\n");
    int half = ElemType.DOUBLE.lanes(lanes);
    declareVector(d, lanes, "float");
    if (half != lanes) {
      declareVector(d, half, "float");
    }
    declareVector(d, half, "double");
    declareMasked(d, lanes, "i16");
    d.append("declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)\n");
    d.append("declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)\n");
    return d.toString();
  }

  private static void declareVector(StringBuilder d, int lanes, String elem) {
    String t = Ir.vec(lanes, elem);
    d.append("declare ").append(t).append(" @llvm.fma.").append(Ir.vecSuffix(lanes, elem)).append('(').append(t).append(", ").append(t).append(", ").append(t).append(")\n");
    declareMasked(d, lanes, elem);
  }

  private static void declareMasked(StringBuilder d, int lanes, String elem) {
    String t = Ir.vec(lanes, elem);
    String v = Ir.vecSuffix(lanes, elem);
    String m = "<" + lanes + " x i1>";
    d.append("declare ").append(t).append(" @llvm.masked.load.").append(v).append(".p0(ptr, i32, ").append(m).append(", ").append(t).append(")\n");
    d.append("declare void @llvm.masked.store.").append(v).append(".p0(").append(t).append(", ptr, i32, ").append(m).append(")\n");
  }

  private static final String INTRINSICS = """
      declare float @llvm.fma.f32(float, float, float)
      declare double @llvm.fma.f64(double, double, double)
      declare float @llvm.roundeven.f32(float)
      declare double @llvm.roundeven.f64(double)
      declare float @llvm.fabs.f32(float)
      declare double @llvm.fabs.f64(double)
      declare double @llvm.copysign.f64(double, double)
      declare double @llvm.sqrt.f64(double)
      declare double @llvm.maximum.f64(double, double)
      """;

  private static final String THREAD_INTRINSICS = """
      declare i32 @llvm.nvvm.read.ptx.sreg.tid.x()
      declare i32 @llvm.nvvm.read.ptx.sreg.ntid.x()
      declare i32 @llvm.nvvm.read.ptx.sreg.ctaid.x()
      """;

  /** Constant data of the module: declared in the text, bytes attached after parsing. */
  static final class Globals {
    private final Map<String, byte[]> bytes = new LinkedHashMap<>();
    private final Map<ByteBuffer, String> byContent = new HashMap<>();
    private final Map<String, String> helpers = new LinkedHashMap<>();

    /** {@code @name}, a function shared by layers; {@code define} writes its text (adding any globals it reads) the first time. */
    String helper(String name, java.util.function.Function<Globals, String> define) {
      if (!helpers.containsKey(name)) {
        helpers.put(name, define.apply(this));
      }
      return "@" + name;
    }

    String floats(float[] data) {
      ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(data);
      return add(b.array());
    }

    String doubles(double[] data) {
      ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asDoubleBuffer().put(data);
      return add(b.array());
    }

    String shorts(short[] data) {
      ByteBuffer b = ByteBuffer.allocate(data.length * 2).order(ByteOrder.LITTLE_ENDIAN);
      b.asShortBuffer().put(data);
      return add(b.array());
    }

    String bytes(byte[] data) {
      return add(data.clone());
    }

    String longs(long[] data) {
      ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
      b.asLongBuffer().put(data);
      return add(b.array());
    }

    /** One global per distinct content: layers that share a table (a quantizer's thresholds, a block format's steps) share its bytes. */
    private String add(byte[] data) {
      return "@" + byContent.computeIfAbsent(ByteBuffer.wrap(data), k -> {
        String name = "c" + bytes.size();
        bytes.put(name, data);
        return name;
      });
    }

    String declarations() {
      StringBuilder s = new StringBuilder();
      for (Map.Entry<String, byte[]> e : bytes.entrySet()) {
        s.append('@').append(e.getKey()).append(" = external constant [").append(e.getValue().length).append(" x i8]\n");
      }
      helpers.values().forEach(h -> s.append('\n').append(h));
      return s.toString();
    }

    Map<String, byte[]> bytes() {
      return bytes;
    }
  }
}
