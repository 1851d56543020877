// to-qonnx: write qcc's quantizers as QONNX ops, keeping what qcc needs to read them back.
package org.qcc.passes.quant;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qcc.ir.Attribute;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Tensor;
import org.qcc.ir.TensorType;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BipolarFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.formats.Minifloat;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.ops.FakeQuantSpec;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.GraphEdits;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;

/**
 * Replaces every {@code qcc.FakeQuant} with the QONNX op of the same value set: integers with
 * Quant (zero-point 0), bipolar with BipolarQuant, minifloats with FloatQuant (with max_val set
 * to the format's largest value, which QONNX would otherwise take as if every exponent were
 * normal). Per-channel scales are reshaped to broadcast against the data. The FakeQuant's
 * attributes ride along as {@code qcc.*} annotations, which QONNX tools ignore and {@code
 * from-qonnx} turns back into the identical FakeQuant: QONNX's reference rounds a float32
 * quotient and takes a float32 logarithm, so its outputs can differ from qcc's in rare ties.
 */
public final class ToQonnx {
  public static final String DOMAIN = "qonnx.custom_op.general";

  /** The Reshape that broadcasts a per-channel scale is named after its quantizer with this suffix. */
  static final String SCALE_RESHAPE = ".scale_bcast";

  public static final PassInfo INFO =
      new PassInfo(
          "to-qonnx",
          "Write qcc.FakeQuant nodes as QONNX Quant, BipolarQuant and FloatQuant",
          "Integers become Quant, bipolar BipolarQuant, signed minifloats with subnormals FloatQuant (max_val set to the format's"
              + " maximum). Per-tensor and per-channel scales only; block formats, per-group scales, unsigned or subnormal-free"
              + " minifloats and stochastic rounding have no QONNX form and are an error naming the node. The original"
              + " attributes are kept as qcc.* annotations for from-qonnx.",
          List.of(),
          List.of("quantizers-converted"),
          o -> (g, ctx) -> {
            int n = run(g);
            ctx.stat("quantizers-converted", n);
            return PassResult.of(n > 0);
          });

  private ToQonnx() {}

  private static int run(Graph g) {
    List<Node> quantizers = g.nodes().stream().filter(FakeQuants::is).toList();
    for (Node n : quantizers) {
      convert(g, n, FakeQuants.spec(n));
    }
    if (!quantizers.isEmpty()) {
      g.setOpset(DOMAIN, 1);
    }
    return quantizers.size();
  }

  private static void convert(Graph g, Node n, FakeQuantSpec spec) {
    String where = "node '" + n.name() + "'";
    if (spec.isBlock()) {
      throw new IllegalArgumentException(where + ": QONNX has no block formats (" + spec.format().name() + ")");
    }
    if (spec.granularity() instanceof Granularity.PerGroup) {
      throw new IllegalArgumentException(where + ": QONNX scales broadcast against the data, per-group scales cannot");
    }
    Value x = n.inputs().get(0);
    List<Value> inputs = new ArrayList<>(List.of(x, broadcastScale(g, n, spec)));
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    String op;
    if (spec.format() instanceof IntFormat f) {
      op = "Quant";
      inputs.add(param(g, n, "zeropt", 0));
      inputs.add(param(g, n, "bitwidth", f.bits()));
      attrs.put("signed", new Attribute.Int(f.signed() ? 1 : 0));
      attrs.put("narrow", new Attribute.Int(f.narrow() ? 1 : 0));
      attrs.put("rounding_mode", new Attribute.Str(roundingMode(spec.rounding(), where)));
    } else if (spec.format() instanceof BipolarFormat) {
      op = "BipolarQuant";
    } else if (spec.format() instanceof Minifloat f && f.signed() && f.subnormals()) {
      op = "FloatQuant";
      inputs.add(param(g, n, "exponent_bitwidth", f.expBits()));
      inputs.add(param(g, n, "mantissa_bitwidth", f.manBits()));
      inputs.add(param(g, n, "exponent_bias", f.bias()));
      inputs.add(param(g, n, "max_val", f.maxValue()));
      boolean inf = f.hasInfinity();
      attrs.put("has_inf", new Attribute.Int(inf ? 1 : 0));
      attrs.put("has_nan", new Attribute.Int(f.hasNaN() ? 1 : 0));
      attrs.put("has_subnormal", new Attribute.Int(1));
      attrs.put("saturation", new Attribute.Int(f.saturating() ? 1 : 0));
      attrs.put("rounding_mode", new Attribute.Str(roundingMode(spec.rounding(), where)));
    } else {
      throw new IllegalArgumentException(where + ": QONNX has no counterpart of " + spec.format().name() + " (FloatQuant is always signed, with subnormals)");
    }
    n.attributes().forEach((k, v) -> attrs.put(FakeQuants.PROVENANCE + k, v));
    GraphEdits.replaceNode(g, n, new Node(DOMAIN, op, n.name(), inputs, n.outputs(), attrs), null);
  }

  /** The scale as QONNX broadcasts it: unchanged per tensor, [1, .., C, .., 1] per channel. */
  private static Value broadcastScale(Graph g, Node n, FakeQuantSpec spec) {
    Value scale = n.inputs().get(1);
    if (spec.granularity() instanceof Granularity.PerTensor) {
      return scale;
    }
    var shape = n.inputs().get(0).type().shape();
    if (!shape.ranked()) {
      throw new IllegalArgumentException("node '" + n.name() + "': per-channel scales need the data's rank to broadcast in QONNX");
    }
    long[] dims = new long[shape.rank()];
    java.util.Arrays.fill(dims, 1);
    dims[spec.axis()] = -1;
    Value target = ConstantFacts.addConstant(g, n.name() + ".scale_shape", Tensor.ofLongs(new int[] {dims.length}, dims));
    int[] out = new int[dims.length];
    java.util.Arrays.fill(out, 1);
    out[spec.axis()] = (int) scale.type().shape().sizes().orElseThrow()[0];
    Value reshaped = new Value(GraphEdits.freshName(g, scale.name() + "_bcast"), new TensorType(FloatFormat.FP32, org.qcc.ir.Shape.of(out)));
    g.insertNode(g.indexOf(n), new Node("", "Reshape", n.name() + SCALE_RESHAPE, List.of(scale, target), List.of(reshaped), Map.of()));
    return reshaped;
  }

  private static Value param(Graph g, Node n, String what, double v) {
    return ConstantFacts.addConstant(g, n.name() + "." + what, Tensor.scalar((float) v));
  }

  private static String roundingMode(Rounding r, String where) {
    return switch (r) {
      case NEAREST_EVEN -> "ROUND";
      case NEAREST_AWAY -> "HALF_UP";
      case TOWARD_ZERO -> "DOWN";
      case FLOOR -> "FLOOR";
      case CEIL -> "CEIL";
      case STOCHASTIC -> throw new IllegalArgumentException(where + ": QONNX has no stochastic rounding");
    };
  }
}
