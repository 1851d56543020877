// A model compiled in-process with LLJIT for the host CPU, run on float arrays.
package org.qcc.backends.llvm;

import static org.bytedeco.llvm.global.LLVM.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.llvm.LLVM.LLVMOrcDefinitionGeneratorRef;
import org.bytedeco.llvm.LLVM.LLVMOrcJITDylibRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITBuilderRef;
import org.bytedeco.llvm.LLVM.LLVMOrcLLJITRef;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Tensor;
import org.qcc.ir.formats.FloatFormat;

/**
 * JIT-compiled model. {@link #run} splits the batch over the available cores in whole tiles, each
 * part with its own workspace (the generated code is reentrant). Workspaces are kept for the next
 * run: fresh ones would cost page faults on every call.
 */
public final class JitModel implements AutoCloseable {
  private final LoweredModel model;
  private final LLVMOrcLLJITRef jit;
  private final NativeEntry entry;
  private final double compileSeconds;
  private final ConcurrentLinkedQueue<Pointer> workspaces = new ConcurrentLinkedQueue<>();

  private JitModel(LoweredModel model, LLVMOrcLLJITRef jit, NativeEntry entry, double compileSeconds) {
    this.model = model;
    this.jit = jit;
    this.entry = entry;
    this.compileSeconds = compileSeconds;
  }

  /** Lowers, optimizes (O3 for the host CPU) and JIT-compiles {@code g}. */
  public static JitModel compile(Graph g) {
    return compile(g, ModelLowering.Style.LOOPS);
  }

  /** {@link ModelLowering.Style#THREADS} runs the GPU kernels' code on the host, one element at a time. */
  static JitModel compile(Graph g, ModelLowering.Style style) {
    return compile(g, style, TargetSpec.host());
  }

  /** For {@code host}, which must run here: the host itself, or a subset of its features. */
  static JitModel compile(Graph g, ModelLowering.Style style, TargetSpec host) {
    long start = System.nanoTime();
    LoweredModel lowered = ModelLowering.lower(g, host, "qcc_model", style).host();
    NativeModule m = new NativeModule(lowered.module(), host);
    LLVMOrcLLJITRef jit = new LLVMOrcLLJITRef();
    try {
      m.optimize();
      LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
      LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(NativeModule.createMachine(host)));
      Llvm.check(LLVMOrcCreateLLJIT(jit, builder), "could not create the LLVM JIT");
      LLVMOrcJITDylibRef lib = LLVMOrcLLJITGetMainJITDylib(jit);
      // memcpy and friends come from the process (libc).
      LLVMOrcDefinitionGeneratorRef process = new LLVMOrcDefinitionGeneratorRef();
      Llvm.check(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(process, LLVMOrcLLJITGetGlobalPrefix(jit), null, null), "could not expose libc to the JIT");
      LLVMOrcJITDylibAddGenerator(lib, process);
      Llvm.check(LLVMOrcLLJITAddLLVMIRModule(jit, lib, m.release()), "the JIT rejected the module");
      long[] address = new long[1];
      Llvm.check(LLVMOrcLLJITLookup(jit, address, lowered.symbol() + "_entry"), "JIT compilation failed");
      return new JitModel(lowered, jit, new NativeEntry(address[0]), (System.nanoTime() - start) / 1e9);
    } finally {
      m.close();
    }
  }

  public LoweredModel lowered() {
    return model;
  }

  /** Seconds from graph to callable code: lowering, O3, machine code. */
  public double compileSeconds() {
    return compileSeconds;
  }

  /**
   * Runs the model on fp32 tensors whose first dimension is the batch (the same for every input),
   * as the interpreter takes them; returns the outputs likewise.
   */
  public List<Tensor> run(List<Tensor> inputs) {
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("the model takes " + model.inputs().size() + " inputs, got none");
    }
    int batch = inputs.get(0).rank() == 0 ? 1 : inputs.get(0).dim(0);
    List<float[]> data = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      Tensor t = inputs.get(i);
      if (!(t instanceof FloatTensor f) || !f.format().equals(FloatFormat.FP32)) {
        throw new IllegalArgumentException("input " + i + " must be fp32, got " + t.type());
      }
      if (t.rank() == 0 || t.dim(0) != batch) {
        throw new IllegalArgumentException("every input needs the same leading batch dimension " + batch + ", input " + i + " is " + t.type());
      }
      data.add(f.data());
    }
    List<float[]> outs = run(data, batch);
    List<Tensor> result = new ArrayList<>();
    for (int i = 0; i < outs.size(); i++) {
      int[] shape = new int[model.outputs().get(i).shape().length + 1];
      shape[0] = batch;
      System.arraycopy(model.outputs().get(i).shape(), 0, shape, 1, shape.length - 1);
      result.add(new FloatTensor(FloatFormat.FP32, shape, outs.get(i)));
    }
    return result;
  }

  /**
   * Runs {@code batch} images. {@code inputs.get(i)} holds input i for every image, row-major;
   * returns each output likewise.
   */
  public List<float[]> run(List<float[]> inputs, int batch) {
    List<TensorInfo> ins = model.inputs();
    List<TensorInfo> outs = model.outputs();
    if (inputs.size() != ins.size()) {
      throw new IllegalArgumentException("the model takes " + ins.size() + " inputs, got " + inputs.size());
    }
    List<FloatPointer> inMem = new ArrayList<>();
    for (int i = 0; i < ins.size(); i++) {
      long want = ins.get(i).elements() * batch;
      if (inputs.get(i).length != want) {
        throw new IllegalArgumentException("input '" + ins.get(i).name() + "' needs " + want + " floats for " + batch + " images, got " + inputs.get(i).length);
      }
      inMem.add(new FloatPointer(inputs.get(i)));
    }
    List<FloatPointer> outMem = new ArrayList<>();
    for (TensorInfo o : outs) {
      outMem.add(new FloatPointer(o.elements() * batch));
    }
    int tiles = (batch + ModelLowering.TILE - 1) / ModelLowering.TILE;
    int parts = Math.max(1, Math.min(tiles, Runtime.getRuntime().availableProcessors()));
    IntStream.range(0, parts).parallel().forEach(p -> {
      int from = Math.min(batch, (int) ((long) tiles * p / parts) * ModelLowering.TILE);
      int to = Math.min(batch, (int) ((long) tiles * (p + 1) / parts) * ModelLowering.TILE);
      if (to > from) {
        runPart(inMem, outMem, from, to);
      }
    });
    List<float[]> results = new ArrayList<>();
    for (int i = 0; i < outs.size(); i++) {
      float[] r = new float[(int) (outs.get(i).elements() * batch)];
      outMem.get(i).get(r);
      results.add(r);
      outMem.get(i).close();
    }
    inMem.forEach(Pointer::close);
    return results;
  }

  private void runPart(List<FloatPointer> in, List<FloatPointer> out, int from, int to) {
    Pointer polled = workspaces.poll();
    Pointer ws = polled != null ? polled : Pointer.malloc(Math.max(64, model.workspaceBytes()));
    try (LongPointer inPtrs = new LongPointer(in.size());
        LongPointer outPtrs = new LongPointer(out.size());
        LongPointer args = new LongPointer(4)) {
      for (int i = 0; i < in.size(); i++) {
        inPtrs.put(i, in.get(i).address() + 4L * from * model.inputs().get(i).elements());
      }
      for (int i = 0; i < out.size(); i++) {
        outPtrs.put(i, out.get(i).address() + 4L * from * model.outputs().get(i).elements());
      }
      args.put(0, inPtrs.address()).put(1, outPtrs.address()).put(2, to - from).put(3, ws.address());
      entry.call(args);
    } finally {
      workspaces.add(ws);
    }
  }

  @Override
  public void close() {
    LLVMOrcDisposeLLJIT(jit);
    for (Pointer ws = workspaces.poll(); ws != null; ws = workspaces.poll()) {
      Pointer.free(ws);
    }
  }
}
