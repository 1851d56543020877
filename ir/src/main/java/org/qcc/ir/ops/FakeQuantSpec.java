// The checked meaning of a qcc.FakeQuant node's attributes.
package org.qcc.ir.ops;

import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Value;
import org.qcc.ir.formats.BlockFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.ElementFormats;
import org.qcc.ir.formats.Granularity;
import org.qcc.ir.formats.Quantizer;
import org.qcc.ir.formats.Rounding;
import org.qcc.ir.formats.ScalarFormat;
import org.qcc.ir.formats.ScaleFormat;

/**
 * A scalar format takes a scale input: shape [] for one scale, [C] for one per index of {@code
 * axis}, or the input's shape with {@code axis} divided into groups of {@code group} for
 * per-group scales, stored as {@code scale_format} (the kernel checks that every scale is
 * one). A block format takes no scale: its blocks run along {@code axis}. A negative axis counts
 * from the end (-1 is the last), as in ONNX, so a graph whose ranks are unknown until it runs can
 * still name the reduction axis of a MatMul; the spec of a ranked input holds it normalized.
 */
public record FakeQuantSpec(ElementFormat format, Granularity granularity, int axis, Rounding rounding, ScaleFormat scaleFormat) {

  /** The scalar quantizer (scalar formats only). */
  public Quantizer quantizer() {
    return new Quantizer((ScalarFormat) format, granularity, scaleFormat);
  }

  public boolean isBlock() {
    return format instanceof BlockFormat;
  }

  /** Checks the attributes against the input shape and the scale's shape (null when absent). */
  public static FakeQuantSpec of(String formatName, int axis, int group, String rounding, String scaleFormat, Shape input, Shape scale) {
    ElementFormat f = ElementFormats.parse(formatName);
    Rounding r = Rounding.parse(rounding);
    ScaleFormat sf = ScaleFormat.parse(scaleFormat);
    if (input.ranked()) {
      int rank = Math.max(1, input.rank());
      if (axis < -rank || axis >= rank) {
        throw new ShapeError("axis " + axis + " is out of range for " + input);
      }
      axis = axis < 0 ? axis + rank : axis;
    }
    if (group < 0) {
      throw new ShapeError("group must be 0 (none) or positive, got " + group);
    }
    if (f instanceof BlockFormat) {
      if (scale != null) {
        throw new ShapeError("block format " + f.name() + " carries its own scales; remove the scale input");
      }
      if (sf != ScaleFormat.FP32) {
        throw new ShapeError("block format " + f.name() + " defines its own scale format; remove scale_format");
      }
      return new FakeQuantSpec(f, Granularity.TENSOR, axis, r, sf);
    }
    if (!(f instanceof ScalarFormat)) {
      throw new ShapeError("cannot quantize to " + f.name() + " (not a scalar or block number format)");
    }
    if (scale == null) {
      throw new ShapeError("quantizing to " + f.name() + " needs a scale input (run calibrate for activations)");
    }
    Granularity g;
    if (group > 0) {
      g = new Granularity.PerGroup(axis, group);
      if (!scale.ranked() || input.ranked() && scale.rank() != input.rank()) {
        throw new ShapeError("per-group scales must have the input's rank, got " + scale);
      }
    } else if (scale.ranked() && scale.rank() == 0) {
      g = Granularity.TENSOR;
    } else {
      g = new Granularity.PerChannel(axis);
      if (!scale.ranked() || scale.rank() != 1) {
        throw new ShapeError("per-channel scales must be 1-D, got " + scale);
      }
      if (input.ranked() && input.dim(axis) instanceof Dim.Fixed c && scale.dim(0) instanceof Dim.Fixed s && c.size() != s.size()) {
        throw new ShapeError("expected " + c.size() + " scales along axis " + axis + ", got " + s.size());
      }
    }
    return new FakeQuantSpec(f, g, axis, r, sf);
  }

  /** Whether {@code n} is a qcc.FakeQuant node. */
  public static boolean isFakeQuant(Node n) {
    return n != null && n.domain().equals("qcc") && n.opType().equals("FakeQuant");
  }

  /** The checked meaning of a qcc.FakeQuant node's attributes (schema defaults filled in) against its input types. */
  public static FakeQuantSpec of(Node n) {
    Value scale = n.inputs().size() > 1 ? n.inputs().get(1) : null;
    return of(
        ((Attribute.Str) attr(n, "format")).value(),
        (int) ((Attribute.Int) attr(n, "axis")).value(),
        (int) ((Attribute.Int) attr(n, "group")).value(),
        ((Attribute.Str) attr(n, "rounding")).value(),
        ((Attribute.Str) attr(n, "scale_format")).value(),
        n.inputs().get(0).type().shape(),
        scale == null ? null : scale.type().shape());
  }

  private static Attribute attr(Node n, String name) {
    return n.attribute(name)
        .or(() -> OpRegistry.standard().lookup(n.domain(), n.opType()).map(d -> d.attributes().get(name)).map(AttrSpec::defaultValue))
        .orElseThrow(() -> new ShapeError(n.qualifiedOp() + " has no attribute " + name + " and no default"));
  }
}
