// A quantized chain of convolutions and fully-connected layers as the dataflow hardware runs it, and the host's two ends.
package org.qcc.backends.rtl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.qcc.backends.BackendException;
import org.qcc.backends.ConstantValues;
import org.qcc.hw.ChainLayer;
import org.qcc.hw.ChannelThresholds;
import org.qcc.hw.ConvWindow;
import org.qcc.hw.LogitArithmetic;
import org.qcc.hw.NmSparsity;
import org.qcc.hw.PoolWindow;
import org.qcc.hw.ThresholdUnit;
import org.qcc.hw.WeightLines;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.ops.ExactLayer;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.ir.ops.SparseWeight;
import org.qcc.simulator.cycle.Dataflow;
import org.qcc.simulator.cycle.FifoSizing;
import org.qcc.simulator.cycle.Dataflow.Pool;
import org.qcc.simulator.cycle.Dataflow.Window;

/**
 * A graph of the form {@code [Flatten ->] FakeQuant -> (Layer [-> Relu] [-> MaxPool] [-> Flatten]
 * -> FakeQuant ->)* Gemm|MatMul [-> Relu]}, where a layer is a Conv on an image or a Gemm or
 * MatMul on a vector, every layer with an integer {@code qcc.acc} and a dense or N:M sparse weight
 * (sparse along its inputs), lowered to the hardware's layer chain: each layer's weight codes
 * (output channels as rows) and kept mask, a convolution's windows, a pool, its folding, and the
 * thresholds that requantize its sums into the next layer's codes exactly as the golden model
 * does.
 *
 * <p>Images stream pixel by pixel, row-major, each pixel's channels together (the golden model's
 * tensors are channels-first): a convolution's weight columns are ordered (kernel row, kernel
 * column, channel) as its windows stream, and a Gemm after a Flatten of an image takes its columns
 * in the stream's order. The host quantizes the input and reorders it so ({@link #inputCodes}),
 * and turns the last layer's exact sums into outputs ({@link #output}), both with the golden
 * model's arithmetic.
 */
public final class ChainPlan {
  /** N:M sparsity along a layer's inputs: {@code kept[row][col]} marks the n kept weights of every m. */
  public record Sparsity(int n, int m, boolean[][] kept) {}

  /**
   * A layer whose outputs the hardware carries as the golden model's fp32 values before its
   * thresholds (see the generator's FloatPath): ReLU given {@code relu}; plus the values of layer
   * {@code residualFrom} (else -1), then ReLU given {@code reluAfterAdd}; forked off to a later
   * layer's add given {@code fork}, through a queue of {@code forkDepth} beats (0 until the chain
   * is folded and its queues sized); summed over {@code globalPixels} pixels (else 0) by a global
   * average pool, whose division the thresholds take.
   */
  public record FloatPath(boolean relu, int residualFrom, boolean reluAfterAdd, boolean fork, int forkDepth, int globalPixels) {}

  /**
   * One layer: its arithmetic, weight codes [rows][cols], its sparsity (null when dense), a
   * convolution's windows and a pool after it (null when none), folding, and the requantization
   * into the next layer (null for the last).
   */
  public record Layer(Node node, ExactLayer exact, float[] bias, boolean relu, int[][] weights, Sparsity sparsity, Window window, Pool pool, FloatPath floatPath, int pe, int simd, List<Thresholds> thresholds, ScalarFormat next) {
    public int rows() {
      return weights.length;
    }

    public int cols() {
      return weights[0].length;
    }

    /** The inputs a SIMD beat may draw from: a convolution's channels, else all columns. */
    int lanes() {
      return window == null ? cols() : window.channels();
    }

    /** Dot products per image: a convolution's output pixels, else one. */
    public int vectors() {
      return Dataflow.vectors(window);
    }

    /** Cycles per image when the output keeps up: every vector's neuron folds times synapse folds. */
    public long cyclesPerImage() {
      return Dataflow.cyclesPerImage(rows(), cols(), pe, simd, window);
    }

    /** The layer's stage of the chain's schedule; the {@code last} has no thresholds. */
    Dataflow.Stage stage(boolean last) {
      int thresholdStages = thresholds == null ? 0 : ThresholdUnit.searchRegisters(thresholds.stream().mapToInt(t -> t.thresholds().length).max().orElse(0));
      FloatPath f = floatPath;
      return new Dataflow.Stage(node.name(), rows(), cols(), pe, simd, window, pool, last, thresholdStages, f != null, f == null ? -1 : f.residualFrom(), f != null && f.fork(), f == null ? 0 : f.forkDepth(), f == null ? 0 : f.globalPixels(), arithmetic());
    }

    /** What the layer computes with, for the cost and energy models: the weights as the hardware stores them. */
    Dataflow.Arithmetic arithmetic() {
      BeatShifts b = beats();
      String weight = b == null ? exact.weightFormat().name() : b.format().name();
      return new Dataflow.Arithmetic(exact.dataFormat().name(), weight, exact.accumulator().bits(), sparsity == null ? 0 : sparsity.n(), sparsity == null ? 0 : sparsity.m(), next == null ? 0 : next.bits(), b == null ? 0 : b.shiftBits());
    }

    /** Block-scaled weights (BFP, MX) as the hardware stores them at this SIMD, narrow codes and a shift per beat; null for other weights. */
    BeatShifts beats() {
      Node quant = ExactLayer.weightBeforeDensify(node.inputs().get(1)).producer();
      if (!FakeQuantSpec.isFakeQuant(quant) || !(FakeQuantSpec.of(quant).format() instanceof BlockFormat block) || simd == 0) {
        return null;
      }
      return BeatShifts.of(weights, (IntFormat) exact.weightFormat(), simd, block.elementFormat());
    }

    /** This layer with a residual queue of {@code depth} beats. */
    Layer withForkDepth(int depth) {
      FloatPath f = floatPath;
      return new Layer(node, exact, bias, relu, weights, sparsity, window, pool, new FloatPath(f.relu(), f.residualFrom(), f.reluAfterAdd(), f.fork(), depth, f.globalPixels()), pe, simd, thresholds, next);
    }

    /** Multipliers per cycle: PE x SIMD, times n/m when sparse. */
    public long multipliers() {
      return sparsity == null ? (long) pe * simd : (long) pe * simd / sparsity.m() * sparsity.n();
    }

    Layer folded(int pe, int simd) {
      return new Layer(node, exact, bias, relu, weights, sparsity, window, pool, floatPath, pe, simd, thresholds, next);
    }
  }

  /** The data between layers: an image of {@code height x width} pixels of {@code channels}, or a vector (1 x 1). */
  private record Feature(int height, int width, int channels) {
    boolean image() {
      return height * width > 1;
    }

    int size() {
      return height * width * channels;
    }
  }

  private final FakeQuantSpec input;
  private final float inputScale;
  private final int[] inputOrder;
  private final List<Layer> layers;
  private final int spram;

  private ChainPlan(FakeQuantSpec input, float inputScale, int[] inputOrder, List<Layer> layers, int spram) {
    this.input = input;
    this.inputScale = inputScale;
    this.inputOrder = inputOrder;
    this.layers = layers;
    this.spram = spram;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** The values of one input image. */
  public int inputSize() {
    return inputOrder.length;
  }

  /**
   * Lowers {@code g}. Each layer's PE is the largest divisor of its rows up to {@code maxPe}; the
   * first layer's SIMD the largest divisor of its columns up to {@code maxSimd}; every later SIMD
   * is the previous PE, so a threshold unit's output beat is the next layer's input beat.
   */
  public static ChainPlan of(Graph g, int maxPe, int maxSimd) {
    return of(g, maxPe, maxSimd, 0);
  }

  /**
   * Lowers {@code g} folded to meet {@code targetCycles} per image (0: as fast as {@code maxPe} and
   * {@code maxSimd} allow, as above): every layer's PE and SIMD divide its rows and columns, stay
   * within the limits, and the chain takes the fewest multipliers with which every layer needs at
   * most the target's cycles per image.
   */
  public static ChainPlan of(Graph g, int maxPe, int maxSimd, long targetCycles) {
    return of(g, maxPe, maxSimd, targetCycles, 0);
  }

  /**
   * As {@link #of(Graph, int, int, long)}, with up to {@code spram} of the UP5K's single-port RAMs
   * for the largest layers' weights, which the hardware then loads at start-up ({@link
   * WeightPlacement}).
   */
  public static ChainPlan of(Graph g, int maxPe, int maxSimd, long targetCycles, int spram) {
    if (spram < 0) {
      throw new BackendException("a design cannot use " + spram + " single-port RAMs");
    }
    if (g.inputs().size() != 1 || g.outputs().size() != 1) {
      throw new BackendException("the hardware chain takes a graph with one input and one output");
    }
    Map<Value, Tensor> constants = ConstantValues.evaluate(g);
    Value x = g.inputs().get(0);
    Feature feature = inputFeature(x);
    Node quant = only(g, x, "the input");
    if (isFlatten(quant)) {
      // The host hands over images flattened channels-first, which is Flatten's order.
      feature = new Feature(1, 1, feature.size());
      quant = only(g, quant.output(0), "the flattened input");
    }
    if (!FakeQuantSpec.isFakeQuant(quant)) {
      throw BackendException.at(quant, "the hardware chain starts with the input's qcc.FakeQuant (run quantize and calibrate)");
    }
    FakeQuantSpec inputSpec = spec(quant);
    float inputScale = (float) constants.get(quant.inputs().get(1)).getDouble(0);
    int[] inputOrder = channelsFirstIndex(feature);
    int[] flattened = null;
    List<Layer> layers = new ArrayList<>();
    Residual pending = null;
    while (true) {
      Node layer = only(g, quant.output(0), "quantized data");
      boolean conv = layer.opType().equals("Conv");
      Optional<ExactLayer> exact;
      try {
        exact = conv || layer.opType().equals("Gemm") || layer.opType().equals("MatMul") ? ExactLayer.of(layer, g) : Optional.empty();
      } catch (IllegalArgumentException e) {
        throw BackendException.at(layer, e.getMessage());
      }
      if (exact.isEmpty() || layer.inputs().get(0) != quant.output(0)) {
        throw BackendException.at(layer, "the hardware chain takes Conv, Gemm or MatMul layers with an integer qcc.acc (run accumulators) on quantized data");
      }
      Window window = null;
      int[] columns = flattened;
      if (conv) {
        window = window(layer, constants, feature);
        columns = channelsFirstIndex(new Feature(window.kernelH(), window.kernelW(), window.channels()));
      } else if (feature.image() && flattened == null) {
        throw BackendException.at(layer, "a Gemm or MatMul on an image needs a Flatten before its quantizer");
      }
      int[][] weights = weightCodes(layer, exact.get(), constants, columns);
      if (!conv && weights[0].length != feature.size()) {
        throw BackendException.at(layer, "its weight takes " + weights[0].length + " inputs, the data holds " + feature.size());
      }
      Sparsity sparsity = sparsity(layer, g, weights.length, weights[0].length, columns);
      float[] bias = bias(layer, constants, weights.length);
      feature = window == null ? new Feature(1, 1, weights.length) : new Feature(window.outH(), window.outW(), weights.length);

      Value v = layer.output(0);
      List<Node> readers = readers(g, v);
      boolean relu = is(readers, "Relu");
      if (relu) {
        v = readers.get(0).output(0);
        readers = readers(g, v);
      }
      int residualFrom = -1;
      boolean reluAfterAdd = false;
      if (pending != null && is(readers, "Add") && readers.get(0) == pending.add()) {
        Node add = readers.get(0);
        if (!java.util.Arrays.equals(shape(add.inputs().get(0)), shape(add.inputs().get(1)))) {
          throw BackendException.at(add, "the hardware adds residual values of the same shape, without broadcasting");
        }
        residualFrom = pending.layer();
        pending = null;
        v = add.output(0);
        readers = readers(g, v);
        reluAfterAdd = is(readers, "Relu");
        if (reluAfterAdd) {
          v = readers.get(0).output(0);
          readers = readers(g, v);
        }
      }
      Pool pool = null;
      if (is(readers, "MaxPool")) {
        boolean maybeNegativeZero = residualFrom >= 0 ? !reluAfterAdd : !relu && IntStream.range(0, weights.length).anyMatch(c -> isNegativeZero(requantize(exact.get(), bias, false, c, 0f)));
        if (maybeNegativeZero) {
          throw BackendException.at(readers.get(0), "its inputs can be -0, which the hardware's pool cannot tell from +0 (add a Relu or a nonzero bias)");
        }
        pool = pool(readers.get(0), feature);
        feature = new Feature(feature.height() / pool.kernel(), feature.width() / pool.kernel(), feature.channels());
        v = readers.get(0).output(0);
        readers = readers(g, v);
      }
      int globalPixels = 0;
      if (is(readers, "GlobalAveragePool")) {
        if (pool != null || residualFrom >= 0 || !feature.image()) {
          throw BackendException.at(readers.get(0), "the hardware pools globally only a convolution's own outputs, after at most a ReLU");
        }
        globalPixels = feature.height() * feature.width();
        feature = new Feature(1, 1, feature.channels());
        v = readers.get(0).output(0);
        readers = readers(g, v);
      }
      flattened = null;
      if (readers.size() == 1 && isFlatten(readers.get(0))) {
        flattened = feature.image() ? channelsFirstIndex(feature) : null;
        feature = new Feature(1, 1, feature.size());
        v = readers.get(0).output(0);
        readers = readers(g, v);
      }
      boolean fork = readers.size() == 2 && readers.stream().anyMatch(FakeQuantSpec::isFakeQuant) && readers.stream().anyMatch(n -> n.qualifiedOp().equals("Add"));
      if (fork) {
        if (pending != null || globalPixels > 0 || flattened != null) {
          throw BackendException.at(layer, "the hardware chain takes one residual connection at a time, from a convolution's (pooled) outputs");
        }
        Node add = readers.stream().filter(n -> n.qualifiedOp().equals("Add")).findFirst().orElseThrow();
        pending = new Residual(add, layers.size());
        readers = readers.stream().filter(FakeQuantSpec::isFakeQuant).toList();
      }
      if (readers.size() > 1) {
        throw branches(v, readers);
      }
      if (v == g.outputs().get(0) && readers.isEmpty()) {
        if (window != null || pool != null || flattened != null || residualFrom >= 0 || globalPixels > 0) {
          throw BackendException.at(layer, "the hardware chain ends with a Gemm or MatMul (and at most a Relu)");
        }
        if (pending != null) {
          throw BackendException.at(pending.add(), "the residual connection to this Add does not close inside the hardware chain");
        }
        layers.add(new Layer(layer, exact.get(), bias, relu, weights, sparsity, null, null, null, 0, 0, null, null));
        List<Layer> folded = checkResiduals(targetCycles > 0 ? foldFor(layers, maxPe, maxSimd, targetCycles) : foldFastest(layers, maxPe, maxSimd));
        return new ChainPlan(inputSpec, inputScale, inputOrder, sizeFifos(folded), spram);
      }
      if (readers.isEmpty()) {
        throw new BackendException("the hardware chain needs a reader of '" + v.name() + "', none reads it");
      }
      Node after = readers.get(0);
      if (!FakeQuantSpec.isFakeQuant(after)) {
        throw BackendException.at(after, "the hardware chain needs the next layer's qcc.FakeQuant here");
      }
      FloatPath floatPath = fork || residualFrom >= 0 || globalPixels > 0 ? new FloatPath(relu, residualFrom, reluAfterAdd, fork, 0, globalPixels) : null;
      FakeQuantSpec nextSpec = spec(after);
      ScalarFormat next = (ScalarFormat) nextSpec.format();
      float scale = (float) constants.get(after.inputs().get(1)).getDouble(0);
      int[] codes = Thresholds.codesByValue(next);
      Thresholds.Requantizer quantize = value -> next.encode(value / (double) scale, nextSpec.rounding(), 0);
      List<Thresholds> thresholds = new ArrayList<>();
      for (int c = 0; c < weights.length; c++) {
        int channel = c;
        boolean withRelu = relu;
        int pixels = globalPixels;
        thresholds.add(floatPath == null
            ? Thresholds.of(sum -> quantize.code(requantize(exact.get(), bias, withRelu, channel, sum)), codes, exact.get().accumulator())
            : pixels > 0 ? Thresholds.ofDouble(sum -> quantize.code((float) (sum / pixels)), codes) : Thresholds.ofFloat(quantize, codes));
      }
      if (pool != null && floatPath == null && thresholds.stream().anyMatch(t -> !ranked(t.posInfCode(), codes) || !ranked(t.negInfCode(), codes))) {
        throw BackendException.at(after, "a pooled layer's infinite sums must quantize to numbers, not NaN");
      }
      layers.add(new Layer(layer, exact.get(), bias, relu, weights, sparsity, window, pool, floatPath, 0, 0, thresholds, next));
      quant = after;
    }
  }

  /** A residual connection waiting for its Add: the layer whose values it forks. */
  private record Residual(Node add, int layer) {}

  /** {@code layers}, after checking that each residual add streams its values as the layer it adds them to does. */
  private static List<Layer> checkResiduals(List<Layer> layers) {
    for (Layer l : layers) {
      if (l.floatPath() != null && l.floatPath().residualFrom() >= 0) {
        Layer from = layers.get(l.floatPath().residualFrom());
        if (from.pe() != l.pe()) {
          throw BackendException.at(l.node(), "its residual values come from '" + from.node().name() + "' with PE " + from.pe() + ", its own PE is " + l.pe() + "; they must match (choose --pe)");
        }
      }
    }
    return layers;
  }

  private static boolean is(List<Node> readers, String op) {
    return readers.size() == 1 && readers.get(0).qualifiedOp().equals(op);
  }

  private static int[] shape(Value v) {
    org.qcc.ir.Shape s = v.type().shape();
    int[] dims = new int[s.ranked() ? s.rank() : 0];
    for (int i = 1; i < dims.length; i++) {
      dims[i] = s.dim(i) instanceof org.qcc.ir.Dim.Fixed f ? (int) f.size() : -1;
    }
    return dims;
  }

  private static boolean ranked(int code, int[] codes) {
    return java.util.Arrays.stream(codes).anyMatch(c -> c == code);
  }

  private static boolean isFlatten(Node n) {
    return n.qualifiedOp().equals("Flatten") && n.attribute("axis").map(a -> ((Attribute.Int) a).value()).orElse(1L) == 1L;
  }

  /** The input as the stream carries it: an NCHW image, or a vector. */
  private static Feature inputFeature(Value x) {
    org.qcc.ir.Shape s = x.type().shape();
    int[] dims = new int[s.ranked() ? s.rank() : 0];
    for (int i = 1; i < dims.length; i++) {
      if (!(s.dim(i) instanceof org.qcc.ir.Dim.Fixed f)) {
        throw new BackendException("the hardware chain needs the input '" + x.name() + "' with static dimensions after the batch, it has " + s);
      }
      dims[i] = (int) f.size();
    }
    return switch (dims.length) {
      case 2 -> new Feature(1, 1, dims[1]);
      case 4 -> new Feature(dims[2], dims[3], dims[1]);
      default -> throw new BackendException("the hardware chain takes an input of [N, features] or [N, C, H, W], '" + x.name() + "' is " + s);
    };
  }

  /** For each value of {@code f} in stream order (row, column, channel), its index channels-first (channel, row, column). */
  private static int[] channelsFirstIndex(Feature f) {
    int[] at = new int[f.size()];
    for (int h = 0; h < f.height(); h++) {
      for (int w = 0; w < f.width(); w++) {
        for (int c = 0; c < f.channels(); c++) {
          at[(h * f.width() + w) * f.channels() + c] = (c * f.height() + h) * f.width() + w;
        }
      }
    }
    return at;
  }

  /** The windows of Conv {@code n} over {@code in}: one group, no dilation, explicit padding. */
  private static Window window(Node n, Map<Value, Tensor> constants, Feature in) {
    Tensor w = constants.get(n.inputs().get(1));
    if (w == null || w.rank() != 4) {
      throw BackendException.at(n, "the hardware chain needs a constant 4-d Conv weight");
    }
    if (n.attribute("group").map(a -> ((Attribute.Int) a).value()).orElse(1L) != 1L || ints(n, "dilations", List.of(1L, 1L)).stream().anyMatch(d -> d != 1L)) {
      throw BackendException.at(n, "the hardware chain takes Convs with one group and no dilation");
    }
    if (n.attribute("auto_pad").map(a -> !((Attribute.Str) a).value().equals("NOTSET")).orElse(false)) {
      throw BackendException.at(n, "the hardware chain takes explicit pads, not auto_pad");
    }
    if (w.shape()[1] != in.channels()) {
      throw BackendException.at(n, "its weight takes " + w.shape()[1] + " channels, the image has " + in.channels());
    }
    int kh = w.shape()[2];
    int kw = w.shape()[3];
    List<Long> strides = ints(n, "strides", List.of(1L, 1L));
    List<Long> pads = ints(n, "pads", List.of(0L, 0L, 0L, 0L));
    int sh = strides.get(0).intValue();
    int sw = strides.get(1).intValue();
    int outH = (in.height() + pads.get(0).intValue() + pads.get(2).intValue() - kh) / sh + 1;
    int outW = (in.width() + pads.get(1).intValue() + pads.get(3).intValue() - kw) / sw + 1;
    if (outH < 1 || outW < 1) {
      throw BackendException.at(n, "its " + kh + "x" + kw + " kernel does not fit the padded " + in.height() + "x" + in.width() + " image");
    }
    return new Window(in.height(), in.width(), in.channels(), kh, kw, sh, sw, pads.get(0).intValue(), pads.get(1).intValue(), outH, outW);
  }

  /**
   * MaxPool {@code n} over {@code in}: square windows that tile the image (stride = kernel, no
   * padding, floor mode). The hardware pools requantized codes by rank, or fp32 values by their
   * order, which is the golden model's pool except that it cannot tell -0 from +0: the caller
   * refuses inputs that can be -0.
   */
  private static Pool pool(Node n, Feature in) {
    List<Long> kernel = ints(n, "kernel_shape", List.of());
    boolean tiles = kernel.size() == 2 && kernel.get(0).equals(kernel.get(1)) && ints(n, "strides", List.of(1L, 1L)).equals(kernel)
        && ints(n, "pads", List.of(0L, 0L, 0L, 0L)).stream().allMatch(p -> p == 0L) && ints(n, "dilations", List.of(1L, 1L)).stream().allMatch(d -> d == 1L)
        && n.attribute("ceil_mode").map(a -> ((Attribute.Int) a).value()).orElse(0L) == 0L && n.outputs().size() == 1;
    if (!tiles || !in.image()) {
      throw BackendException.at(n, "the hardware pools an image by square windows that tile it (kernel = strides, no padding or dilation, floor mode)");
    }
    int k = kernel.get(0).intValue();
    if (k > in.height() || k > in.width()) {
      throw BackendException.at(n, "its " + k + "x" + k + " window does not fit the " + in.height() + "x" + in.width() + " image");
    }
    return new Pool(in.height(), in.width(), in.channels(), k);
  }

  private static boolean isNegativeZero(float x) {
    return Float.floatToRawIntBits(x) == Float.floatToRawIntBits(-0f);
  }

  private static List<Long> ints(Node n, String key, List<Long> otherwise) {
    return n.attribute(key).map(a -> ((Attribute.Ints) a).values()).orElse(otherwise);
  }

  /** The codes of one image's input, as the input quantizer rounds it. */
  public int[] inputCodes(float[] image) {
    ScalarFormat f = (ScalarFormat) input.format();
    int[] codes = new int[inputOrder.length];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = f.encode(image[inputOrder[i]] / (double) inputScale, input.rounding(), 0);
    }
    return codes;
  }

  /** Output channel {@code c} of the last layer from its rounded sum (the sum, or NaN or an infinity for a special). */
  public float output(int c, float sum) {
    Layer last = layers.get(layers.size() - 1);
    return requantize(last.exact(), last.bias(), last.relu(), c, sum);
  }

  /**
   * The chain's schedule, which the cycle-level model runs: the stages {@link #hardware} generates,
   * the largest ones' weights in the plan's single-port RAMs ({@link WeightPlacement}).
   */
  public Dataflow dataflow() {
    return WeightPlacement.place(dataflow(layers), spram);
  }

  private static Dataflow dataflow(List<Layer> layers) {
    List<Dataflow.Stage> stages = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      stages.add(layers.get(i).stage(i == layers.size() - 1));
    }
    return new Dataflow(stages);
  }

  /** The layer chain for the generators, weights where {@link #dataflow} places them. */
  public ChainLayer[] hardware() {
    ChainLayer[] out = new ChainLayer[layers.size()];
    List<Dataflow.Stage> stages = dataflow().stages();
    for (int i = 0; i < out.length; i++) {
      Layer l = layers.get(i);
      ExactLayer e = l.exact();
      ChannelThresholds[] t = l.thresholds() == null ? null : l.thresholds().stream().map(Thresholds::hardware).toArray(ChannelThresholds[]::new);
      int[] codes = l.next() == null ? null : Thresholds.codesByValue(l.next());
      NmSparsity sparsity = l.sparsity() == null ? null : NmSparsity.of(l.sparsity().n(), l.sparsity().m(), l.sparsity().kept());
      Window w = l.window();
      ConvWindow window = w == null ? null
          : new ConvWindow(w.height(), w.width(), w.channels(), w.kernelH(), w.kernelW(), w.strideH(), w.strideW(), w.padTop(), w.padLeft(), w.outH(), w.outW(), e.dataFormat().encode(0.0, Rounding.NEAREST_EVEN, 0));
      PoolWindow pool = l.pool() == null ? null : new PoolWindow(l.pool().height(), l.pool().width(), l.pool().channels(), l.pool().kernel());
      FloatPath f = l.floatPath();
      org.qcc.hw.FloatPath floatPath = null;
      if (f != null) {
        floatPath = new org.qcc.hw.FloatPath(multipliers(l), biases(l), f.relu(), f.residualFrom(), f.reluAfterAdd(), f.fork(), f.forkDepth(), f.globalPixels());
      }
      BeatShifts beats = l.beats();
      ScalarFormat weightFormat = beats == null ? e.weightFormat() : beats.format();
      int[][] weights = beats == null ? l.weights() : beats.codes();
      int[][] shifts = beats == null || beats.shiftBits() == 0 ? null : beats.shifts();
      out[i] = new ChainLayer(HwFormats.codes(e.dataFormat()), HwFormats.codes(weightFormat), weights, l.pe(), l.simd(), e.accumulator().bits(), t, codes, l.next() == null ? 0 : l.next().bits(), sparsity, window, pool, floatPath, shifts, stages.get(i).spramBlocks() > 0);
      WeightLines lines = out[i].weightLines();
      if (lines.lineBits() != stages.get(i).weightLineBits() || lines.depth() != stages.get(i).weightLines()) {
        throw new IllegalStateException(l.node().name() + ": the generator's weight lines (" + lines.depth() + " x " + lines.lineBits() + " bits) differ from the schedule's");
      }
    }
    return out;
  }

  /**
   * The last layer's outputs as the serial classifier computes them, or a refusal saying why it
   * cannot sit behind one: it needs input codes of at most a byte, one output vector per image and
   * at most 127 classes.
   */
  public LogitArithmetic logits() {
    Layer first = layers.get(0);
    Layer last = layers.get(layers.size() - 1);
    if (first.exact().dataFormat().bits() > 8) {
      throw BackendException.at(first.node(), "its " + first.exact().dataFormat().bits() + "-bit input codes do not fit the serial line's bytes");
    }
    if (last.window() != null) {
      throw BackendException.at(last.node(), "the serial classifier needs a last layer with one output vector per image, not a convolution");
    }
    if (last.rows() > 127) {
      throw BackendException.at(last.node(), "its " + last.rows() + " classes do not fit the serial classifier's 7-bit answer");
    }
    if (IntStream.range(0, last.rows()).mapToObj(c -> last.exact().multiplier(c)).anyMatch(m -> m == 0f || !Float.isFinite(m))) {
      throw BackendException.at(last.node(), "the serial classifier needs finite, nonzero output scales");
    }
    return new LogitArithmetic(multipliers(last), biases(last), last.relu());
  }

  /** A layer's per-channel multipliers, as fp32 bit patterns. */
  private static int[] multipliers(Layer l) {
    return IntStream.range(0, l.rows()).map(c -> Float.floatToRawIntBits(l.exact().multiplier(c))).toArray();
  }

  /** A layer's per-channel biases, as fp32 bit patterns: without a bias the golden model rounds S * m alone, which is fma(S, m, -0). */
  private static int[] biases(Layer l) {
    return IntStream.range(0, l.rows()).map(c -> Float.floatToRawIntBits(l.bias() == null ? -0f : l.bias()[c])).toArray();
  }

  /** The golden model's layer output from a rounded sum: fma with the channel's multiplier and bias, then ReLU (NaN stays, -0 becomes +0). */
  private static float requantize(ExactLayer e, float[] bias, boolean relu, int c, float sum) {
    float y = e.requantize(sum, c, bias == null ? 0f : bias[c], bias != null);
    return relu ? (y > 0 || Float.isNaN(y) ? y : 0f) : y;
  }

  /**
   * Weight codes with output channels as rows, from the dequantized constant weight; given {@code
   * columns}, column k is the weight's input {@code columns[k]} (its inputs flattened row-major).
   */
  private static int[][] weightCodes(Node layer, ExactLayer e, Map<Value, Tensor> constants, int[] columns) {
    Tensor w = constants.get(layer.inputs().get(1));
    if (w == null || w.rank() != (layer.opType().equals("Conv") ? 4 : 2)) {
      throw BackendException.at(layer, "the hardware chain needs a constant weight");
    }
    if (e.weightFormat().bits() > Integer.SIZE - 1) {
      // Block scales spread over more binades than an int's codes can span.
      throw BackendException.at(layer, "its block-scaled weight needs " + e.weightFormat().bits() + "-bit codes on one grid; the hardware chain takes at most " + (Integer.SIZE - 1));
    }
    int axis = ExactLayer.weightChannelAxis(layer);
    int rows = w.shape()[axis];
    int cols = w.size() / rows;
    int[][] codes = new int[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        int from = columns == null ? k : columns[k];
        float q = (float) w.getDouble(axis == 0 ? r * cols + from : from * rows + r);
        float grid = e.weightCode(q, r);
        codes[r][k] = e.weightFormat().encode(Math.scalb((double) grid, e.weightLsb()), Rounding.NEAREST_EVEN, 0);
      }
    }
    return codes;
  }

  /** Each layer's PE the largest up to {@code maxPe}; the first SIMD the largest up to {@code maxSimd}, every later one the previous PE. */
  private static List<Layer> foldFastest(List<Layer> layers, int maxPe, int maxSimd) {
    List<Layer> out = new ArrayList<>();
    int simd = 0;
    for (Layer l : layers) {
      int m = l.sparsity() == null ? 1 : l.sparsity().m();
      if (out.isEmpty()) {
        simd = largestDivisor(l.lanes(), maxSimd, m);
        if (l.lanes() % simd != 0 || simd % m != 0) {
          throw BackendException.at(l.node(), "its " + l.sparsity().n() + ":" + m + " sparse weights need a SIMD up to --simd " + maxSimd + " that divides its " + l.lanes() + " inputs and is a multiple of " + m);
        }
      }
      if (l.lanes() % simd != 0) {
        throw BackendException.at(l.node(), "its " + l.lanes() + " inputs are not a multiple of the previous layer's PE " + simd);
      }
      if (simd % m != 0) {
        throw BackendException.at(l.node(), "its " + l.sparsity().n() + ":" + m + " sparse weights need a SIMD that is a multiple of " + m + ", the previous layer's PE is " + simd + " (choose --pe)");
      }
      int pe = largestDivisor(l.rows(), maxPe, 1);
      out.add(l.folded(pe, simd));
      simd = pe;
    }
    return out;
  }

  /**
   * The folding with the fewest multipliers in which every layer takes at most {@code target}
   * cycles per image: for each layer and the SIMD the previous PE gives it, the cheapest choice of
   * its PE and everything after it, found once per (layer, SIMD).
   */
  private static List<Layer> foldFor(List<Layer> layers, int maxPe, int maxSimd, long target) {
    Map<Long, long[]> memo = new java.util.HashMap<>();
    long best = Long.MAX_VALUE;
    int bestSimd = 0;
    Layer first = layers.get(0);
    for (int simd : divisors(first.lanes(), maxSimd)) {
      long cost = cheapest(layers, 0, simd, maxPe, target, memo)[0];
      if (cost < best) {
        best = cost;
        bestSimd = simd;
      }
    }
    if (best == Long.MAX_VALUE) {
      throw new BackendException("no folding with PE up to --pe " + maxPe + " and SIMD up to --simd " + maxSimd + " brings every layer to " + target + " cycles per image (raise them, or the target)");
    }
    List<Layer> out = new ArrayList<>();
    int simd = bestSimd;
    for (int i = 0; i < layers.size(); i++) {
      int pe = (int) cheapest(layers, i, simd, maxPe, target, memo)[1];
      out.add(layers.get(i).folded(pe, simd));
      simd = pe;
    }
    return out;
  }

  /**
   * The folded layers with their residual queues sized: from a whole image's beats (and two) down
   * to the fewest that keep the chain's pace in the cycle-level model ({@link FifoSizing}).
   */
  private static List<Layer> sizeFifos(List<Layer> layers) {
    List<Layer> whole = new ArrayList<>();
    for (Layer l : layers) {
      boolean forks = l.floatPath() != null && l.floatPath().fork();
      whole.add(forks ? l.withForkDepth(Dataflow.outputBeats(l.rows(), l.pe(), l.window(), l.pool()) + 2) : l);
    }
    Dataflow sized = FifoSizing.minimize(dataflow(whole)).dataflow();
    List<Layer> out = new ArrayList<>();
    for (int i = 0; i < whole.size(); i++) {
      Layer l = whole.get(i);
      out.add(l.floatPath() != null && l.floatPath().fork() ? l.withForkDepth(sized.stages().get(i).forkDepth()) : l);
    }
    return out;
  }

  /** {cost, PE} of the cheapest folding of layers {@code i} on when layer i's SIMD is {@code simd}; cost MAX_VALUE when none meets the target. */
  private static long[] cheapest(List<Layer> layers, int i, int simd, int maxPe, long target, Map<Long, long[]> memo) {
    if (i == layers.size()) {
      return new long[] {0, 0};
    }
    long key = (long) i << 32 | simd;
    long[] known = memo.get(key);
    if (known != null) {
      return known;
    }
    Layer l = layers.get(i);
    int m = l.sparsity() == null ? 1 : l.sparsity().m();
    long[] best = {Long.MAX_VALUE, 0};
    if (l.lanes() % simd == 0 && simd % m == 0) {
      for (int pe : divisors(l.rows(), maxPe)) {
        if (l.folded(pe, simd).cyclesPerImage() > target) {
          continue;
        }
        long rest = cheapest(layers, i + 1, pe, maxPe, target, memo)[0];
        long cost = l.folded(pe, simd).multipliers();
        if (rest != Long.MAX_VALUE && cost + rest < best[0]) {
          best = new long[] {cost + rest, pe};
        }
      }
    }
    memo.put(key, best);
    return best;
  }

  private static List<Integer> divisors(int n, int most) {
    List<Integer> out = new ArrayList<>();
    for (int d = 1; d <= Math.min(n, most); d++) {
      if (n % d == 0) {
        out.add(d);
      }
    }
    return out;
  }

  /** The layer's N:M sparsity from the qcc.Densify producing its weight, with output channels as rows and columns as {@link #weightCodes} orders them; null when dense. */
  private static Sparsity sparsity(Node layer, Graph g, int rows, int cols, int[] columns) {
    Optional<SparseWeight> sparse;
    try {
      sparse = SparseWeight.of(layer, g);
    } catch (IllegalArgumentException e) {
      throw BackendException.at(layer, e.getMessage());
    }
    if (sparse.isEmpty()) {
      return null;
    }
    int axis = ExactLayer.weightChannelAxis(layer);
    if (sparse.get().axis() != 1 - axis) {
      throw BackendException.at(layer, "the hardware chain takes N:M sparsity along a layer's inputs, this weight's groups run along its outputs");
    }
    boolean[] flat = sparse.get().kept();
    boolean[][] kept = new boolean[rows][cols];
    int n = sparse.get().n();
    int m = sparse.get().m();
    for (int r = 0; r < rows; r++) {
      for (int k = 0; k < cols; k++) {
        int from = columns == null ? k : columns[k];
        kept[r][k] = flat[axis == 0 ? r * cols + from : from * rows + r];
      }
      for (int k = 0; k < cols; k += m) {
        int count = 0;
        for (int j = k; j < Math.min(cols, k + m); j++) {
          count += kept[r][j] ? 1 : 0;
        }
        if (count != n) {
          throw BackendException.at(layer, "its " + n + ":" + m + " groups do not run along " + m + " neighbouring inputs of the stream (a convolution's groups run along its channels)");
        }
      }
    }
    return new Sparsity(n, m, kept);
  }

  private static float[] bias(Node layer, Map<Value, Tensor> constants, int rows) {
    if (layer.opType().equals("MatMul") || layer.inputs().size() < 3 || layer.inputs().get(2) == null) {
      return null;
    }
    // As the interpreter: beta times each bias value in fp32, and no bias at all when beta is 0.
    Tensor b = constants.get(layer.inputs().get(2));
    if (b == null || b.size() != rows) {
      throw BackendException.at(layer, "the hardware chain needs a constant bias with one value per output");
    }
    float beta = layer.attribute("beta").map(a -> ((Attribute.Float) a).value()).orElse(1f);
    if (beta == 0f) {
      return null;
    }
    float[] out = new float[rows];
    for (int i = 0; i < rows; i++) {
      out[i] = (float) b.getDouble(i) * beta;
    }
    return out;
  }

  private static FakeQuantSpec spec(Node quant) {
    FakeQuantSpec s = FakeQuantSpec.of(quant);
    if (s.isBlock()) {
      throw BackendException.at(quant, "the hardware chain takes block formats (" + s.format().name() + ") on weights only: activations' block scales are found at run time (quantize them to an integer or minifloat)");
    }
    if (!(s.format() instanceof ScalarFormat) || s.rounding() == Rounding.STOCHASTIC) {
      throw BackendException.at(quant, "the hardware chain takes scalar formats rounded deterministically");
    }
    return s;
  }

  /** The single node reading {@code v}. */
  private static Node only(Graph g, Value v, String what) {
    List<Node> readers = readers(g, v);
    if (readers.size() > 1) {
      throw branches(v, readers);
    }
    if (readers.isEmpty()) {
      throw new BackendException("the hardware chain needs " + what + " ('" + v.name() + "') read by a node, none reads it");
    }
    return readers.get(0);
  }

  private static List<Node> readers(Graph g, Value v) {
    return g.nodes().stream().filter(n -> n.inputs().contains(v)).toList();
  }

  private static BackendException branches(Value v, List<Node> readers) {
    String names = String.join(", ", readers.stream().map(n -> "'" + n.name() + "'").toList());
    return new BackendException("'" + v.name() + "' feeds " + readers.size() + " nodes (" + names + "): the hardware chain takes a single path, and residual connections from a layer's (pooled) outputs to an Add after a later layer");
  }

  /** The largest divisor of {@code n} up to {@code most} that is a multiple of {@code step}, else {@code step} (which the caller then refuses when it does not divide). */
  private static int largestDivisor(int n, int most, int step) {
    for (int d = Math.min(n, most) / step * step; d > step; d -= step) {
      if (n % d == 0) {
        return d;
      }
    }
    return step;
  }
}
