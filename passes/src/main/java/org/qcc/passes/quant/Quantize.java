// quantize: put weights and activations of every compute layer on a number format's grid.
package org.qcc.passes.quant;

import static org.qcc.passes.ConstantFacts.fp32Constant;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.qcc.ir.Attribute;
import org.qcc.ir.FloatTensor;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.formats.ScaleFormat;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassOption;
import org.qcc.passes.PassOptions;
import org.qcc.passes.PassResult;

/**
 * Inserts {@code qcc.FakeQuant} on the weight and the data input of every Conv, Gemm and MatMul
 * with a constant fp32 weight. Weight scales come from the weights (max-abs per tensor, output
 * channel or group of input channels, rounded up to the scale format); block formats take their
 * blocks along the reduction axis. Activation quantizers of scalar formats get a NaN scale that
 * {@code calibrate} replaces; block-format activations need none.
 */
public final class Quantize {
  public static final PassOption.Format WEIGHTS = new PassOption.Format("weights", "int8", "Weight format, or none");
  public static final PassOption.Format ACTS = new PassOption.Format("acts", "none", "Format of each layer's data input, or none");
  public static final PassOption.Choice GRANULARITY =
      PassOption.choice("granularity", "channel", "Weight scales: one per tensor, per output channel, or per group of input channels", "tensor", "channel", "group");
  public static final PassOption.Int GROUP_SIZE = new PassOption.Int("group-size", 32, 1, 4096, "Input channels per weight scale when granularity=group");
  public static final PassOption.Choice SCALE = PassOption.choice("scale", "fp32", "Format scales are stored in (weights now, activations when calibrated), rounded up", "fp32", "pow2", "e8m0", "ue5m3");
  public static final PassOption.Choice ROUNDING = PassOption.choice("rounding", "rne", "Rounding of weights and activations", "rne", "rna", "rtz", "floor", "ceil", "stochastic");
  public static final PassOption.Choice FIRST_LAST = PassOption.choice("first-last", "quantize", "Whether the first and last compute layers are quantized or kept in fp32", "quantize", "keep");
  public static final PassOption.Names EXCLUDE = new PassOption.Names("exclude", "Names of layers to leave in fp32");
  public static final PassOption.File CONFIG =
      new PassOption.File("config", "JSON or YAML file of per-layer weights, acts, granularity, group-size, scale, rounding (mixed precision)");

  public static final PassInfo INFO =
      new PassInfo(
          "quantize",
          "Quantize weights and activations of Conv, Gemm and MatMul layers",
          "Each layer with an fp32 constant weight reads its weight and its data input through qcc.FakeQuant. Weight scales are"
              + " fixed now; scalar-format activation scales are left NaN for calibrate. Block formats (bfp, mx, nvfp4) block"
              + " along the reduction axis and need no scales. A value read by several layers with the same settings is quantized"
              + " once. A config file overrides the options per layer by name or glob, later entries winning; exclude and"
              + " first-last=keep still apply.",
          List.of(WEIGHTS, ACTS, GRANULARITY, GROUP_SIZE, SCALE, ROUNDING, FIRST_LAST, EXCLUDE, CONFIG),
          List.of("layers-quantized", "weights-quantized", "activations-quantized"),
          o -> {
            check(o);
            return (g, ctx) -> {
              Quantize q = new Quantize(g, o);
              q.run();
              if (q.layers > 0) {
                Accumulators.annotate(g);
              }
              ctx.stat("layers-quantized", q.layers);
              ctx.stat("weights-quantized", q.weights);
              ctx.stat("activations-quantized", q.acts);
              return PassResult.of(q.layers > 0);
            };
          });

  private final Graph g;
  private final PassOptions o;
  /** Activations already quantized, by value and the attributes they were quantized with. */
  private final Map<Value, Map<Map<String, Attribute>, Value>> quantizedActs = new IdentityHashMap<>();
  private int layers;
  private int weights;
  private int acts;

  private Quantize(Graph g, PassOptions o) {
    this.g = g;
    this.o = o;
  }

  private static void check(PassOptions o) {
    for (PassOption.Format f : List.of(WEIGHTS, ACTS)) {
      ElementFormat fmt = o.get(f);
      if (fmt != null && !(fmt instanceof ScalarFormat || fmt instanceof BlockFormat)) {
        throw new IllegalArgumentException("option '" + f.name() + "' must be a number format to quantize to, got " + fmt.name());
      }
    }
  }

  private void run() {
    List<Node> layersInOrder = new ArrayList<>();
    for (Node n : g.nodes()) {
      if (axes(n).isPresent()) {
        layersInOrder.add(n);
      }
    }
    QuantizeConfig config = o.get(CONFIG).isEmpty() ? null : QuantizeConfig.load(Path.of(o.get(CONFIG)));
    if (config != null) {
      config.checkEveryEntryMatches(layersInOrder.stream().map(Node::name).toList());
    }
    for (int i = 0; i < layersInOrder.size(); i++) {
      Node n = layersInOrder.get(i);
      boolean edge = i == 0 || i == layersInOrder.size() - 1;
      if (o.get(EXCLUDE).contains(n.name()) || edge && o.get(FIRST_LAST).equals("keep")) {
        continue;
      }
      PassOptions lo = config == null ? o : layerOptions(config, n);
      LayerAxes ax = axes(n).orElseThrow();
      boolean did = false;
      if (lo.get(WEIGHTS) != null) {
        WeightSlot slot = weightSlot(n).orElseThrow();
        slot.reader().setInput(slot.input(), quantizeWeight(n, slot, lo, ax));
        weights++;
        did = true;
      }
      if (lo.get(ACTS) != null) {
        n.setInput(0, quantizeAct(n, lo, ax));
        did = true;
      }
      layers += did ? 1 : 0;
    }
  }

  private PassOptions layerOptions(QuantizeConfig config, Node n) {
    try {
      PassOptions lo = o.with(config.overridesFor(n.name()));
      check(lo);
      return lo;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("config " + config.file() + ": layer '" + n.name() + "': " + e.getMessage(), e);
    }
  }

  /** Layers this pass handles: an fp32 constant weight of a known layout and an fp32 data input. */
  private Optional<LayerAxes> axes(Node n) {
    Value x = n.inputs().isEmpty() ? null : n.inputs().get(0);
    if (weightSlot(n).isEmpty() || x == null || !x.type().format().equals(FloatFormat.FP32)) {
      return Optional.empty();
    }
    return LayerAxes.of(n);
  }

  /** Where a layer's fp32 weight constant is read: input 1 of the layer, or the values of the qcc.Densify feeding it. */
  private record WeightSlot(Node reader, int input) {}

  private Optional<WeightSlot> weightSlot(Node n) {
    if (fp32Constant(g, n, 1).isPresent()) {
      return Optional.of(new WeightSlot(n, 1));
    }
    Node p = n.inputs().size() > 1 && n.inputs().get(1) != null ? n.inputs().get(1).producer() : null;
    if (p != null && p.qualifiedOp().equals("qcc.Densify") && fp32Constant(g, p, 0).isPresent()) {
      return Optional.of(new WeightSlot(p, 0));
    }
    return Optional.empty();
  }

  /** Quantizes the weight constant in {@code slot}; sparse weights quantize their kept values, whose axes are the dense weight's. */
  private Value quantizeWeight(Node n, WeightSlot slot, PassOptions lo, LayerAxes ax) {
    ElementFormat f = lo.get(WEIGHTS);
    Value w = slot.reader().inputs().get(slot.input());
    Tensor data = g.constant(w);
    List<Value> inputs = new ArrayList<>(List.of(w));
    Map<String, Attribute> attrs = attrs(f, lo);
    if (f instanceof ScalarFormat sf) {
      Granularity gr =
          switch (lo.get(GRANULARITY)) {
            case "tensor" -> Granularity.TENSOR;
            case "channel" -> new Granularity.PerChannel(ax.weightChannel());
            default -> new Granularity.PerGroup(ax.weightReduction(), lo.get(GROUP_SIZE));
          };
      Quantizer q = new Quantizer(sf, gr, ScaleFormat.parse(lo.get(SCALE)));
      float[] scales = q.scales(((FloatTensor) data).data(), data.shape());
      inputs.add(ConstantFacts.addConstant(g, w.name() + "_scale", new FloatTensor(FloatFormat.FP32, q.scaleShape(data.shape()), scales)));
      if (!(gr instanceof Granularity.PerTensor)) {
        attrs.put("axis", new Attribute.Int(gr instanceof Granularity.PerChannel c ? c.axis() : ax.weightReduction()));
      }
      if (gr instanceof Granularity.PerGroup p) {
        attrs.put("group", new Attribute.Int(p.size()));
      }
    } else {
      attrs.put("axis", new Attribute.Int(ax.weightReduction()));
    }
    return fakeQuant(slot.reader(), n.name() + ".wq", w, inputs, attrs);
  }

  private Value quantizeAct(Node n, PassOptions lo, LayerAxes ax) {
    ElementFormat f = lo.get(ACTS);
    Value x = n.inputs().get(0);
    Map<String, Attribute> attrs = attrs(f, lo);
    if (!(f instanceof ScalarFormat)) {
      attrs.put("axis", new Attribute.Int(ax.dataReduction()));
    }
    Map<Map<String, Attribute>, Value> done = quantizedActs.computeIfAbsent(x, k -> new HashMap<>());
    if (done.containsKey(attrs)) {
      return done.get(attrs);
    }
    List<Value> inputs = new ArrayList<>(List.of(x));
    if (f instanceof ScalarFormat) {
      inputs.add(ConstantFacts.addConstant(g, x.name() + "_scale", Tensor.scalar(Float.NaN)));
    }
    Value q = fakeQuant(n, n.name() + ".xq", x, inputs, attrs);
    done.put(Map.copyOf(attrs), q);
    acts++;
    return q;
  }

  private static Map<String, Attribute> attrs(ElementFormat f, PassOptions lo) {
    Map<String, Attribute> a = new HashMap<>();
    a.put("format", new Attribute.Str(f.name()));
    if (!lo.get(ROUNDING).equals("rne")) {
      a.put("rounding", new Attribute.Str(lo.get(ROUNDING)));
    }
    if (f instanceof ScalarFormat && !lo.get(SCALE).equals("fp32")) {
      a.put("scale_format", new Attribute.Str(lo.get(SCALE)));
    }
    return a;
  }

  /** Adds the FakeQuant node named {@code name} just before {@code reader}, the first node to read it. */
  private Value fakeQuant(Node reader, String name, Value x, List<Value> inputs, Map<String, Attribute> attrs) {
    Value out = new Value(GraphEdits.freshName(g, x.name() + "_q"), x.type());
    g.insertNode(g.indexOf(reader), new Node("qcc", "FakeQuant", name, inputs, List.of(out), attrs));
    return out;
  }
}
