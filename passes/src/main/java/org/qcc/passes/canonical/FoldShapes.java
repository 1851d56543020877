// fold-shapes: shape arithmetic over symbolic dimensions, folded at compile time.
package org.qcc.passes.canonical;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.qcc.ir.Attribute;
import org.qcc.ir.Dim;
import org.qcc.ir.Graph;
import org.qcc.ir.Node;
import org.qcc.ir.Shape;
import org.qcc.ir.Tensor;
import org.qcc.ir.Value;
import org.qcc.ir.formats.IntFormat;
import org.qcc.ir.ops.Dims;
import org.qcc.passes.ConstantFacts;
import org.qcc.passes.PassInfo;
import org.qcc.passes.PassResult;

/**
 * Exported transformers compute their reshape targets at run time from Shape (to carry the batch
 * size along), which leaves every later value with an unknown shape. This pass follows the entries
 * of those small int64 tensors, each a number, a named dimension or unknown, through the ops that
 * build shapes. A value whose entries are all numbers becomes a constant; a Reshape target whose
 * symbolic entries are copies of the input's own dimensions (0) or a single remaining one (-1)
 * becomes a constant. The Shape nodes left unread go with dce.
 */
public final class FoldShapes {
  public static final PassInfo INFO =
      new PassInfo(
          "fold-shapes",
          "Fold shape arithmetic over symbolic dimensions",
          "Follows the entries of int64 shape tensors (each a number, a named dimension such as N, or unknown) through Shape, Gather, Slice,"
              + " Concat, Unsqueeze, Squeeze, Identity, Cast to an integer type and Add/Sub/Mul/Div. A node whose outputs are all numbers becomes"
              + " constants. A Reshape target with named dimensions becomes a constant: 0 where the input has that dimension at the same"
              + " position (allowzero = 0), -1 for at most one other. Reshape targets with unknown entries stay.",
          List.of(),
          List.of("values-folded", "reshapes-rewritten"),
          o ->
              (g, ctx) -> {
                int[] counts = run(g);
                ctx.stat("values-folded", counts[0]);
                ctx.stat("reshapes-rewritten", counts[1]);
                return PassResult.of(counts[0] + counts[1] > 0);
              });

  /** Casts that keep every shape entry as it is. */
  private static final Set<String> INTEGER_CASTS = Set.of("int64", "int32");

  /** Entries longer than this are not shapes: they are left alone. */
  private static final int MAX_ENTRIES = 16;

  private FoldShapes() {}

  /** One entry: a number, or a named dimension when {@code symbol} is set. */
  private record Entry(long number, String symbol) {
    static Entry of(long n) {
      return new Entry(n, null);
    }

    boolean isNumber() {
      return symbol == null;
    }
  }

  /** A scalar (rank 0) or vector (rank 1) of entries; a null entry is unknown. */
  private record Entries(int rank, List<Entry> items) {
    boolean allNumbers() {
      return items.stream().allMatch(e -> e != null && e.isNumber());
    }

    Tensor toTensor() {
      long[] v = items.stream().mapToLong(Entry::number).toArray();
      return Tensor.ofLongs(rank == 0 ? new int[0] : new int[] {v.length}, v);
    }
  }

  private static int[] run(Graph g) {
    Map<Value, Entries> known = new HashMap<>();
    int folded = 0;
    int rewritten = 0;
    for (Node n : new ArrayList<>(g.nodes())) {
      if (ConstantFacts.is(n, "Reshape") && rewriteTarget(g, n, known)) {
        rewritten++;
        continue;
      }
      Optional<Entries> out = n.outputs().size() == 1 ? evaluate(g, n, known) : Optional.empty();
      if (out.isEmpty()) {
        continue;
      }
      Value v = n.output(0);
      if (out.get().allNumbers() && n.inputs().stream().anyMatch(in -> in != null && !g.isConstant(in))) {
        Tensor t = out.get().toTensor();
        g.removeNode(n);
        v.setType(t.type());
        g.addConstant(v, t);
        folded++;
      } else {
        known.put(v, out.get());
      }
    }
    return new int[] {folded, rewritten};
  }

  private static Optional<Entries> entries(Graph g, Value v, Map<Value, Entries> known) {
    if (v == null) {
      return Optional.empty();
    }
    if (g.isConstant(v)) {
      Tensor t = g.constant(v);
      if (!(t.format() instanceof IntFormat) || t.shape().length > 1 || t.size() > MAX_ENTRIES) {
        return Optional.empty();
      }
      List<Entry> items = new ArrayList<>();
      for (int i = 0; i < t.size(); i++) {
        items.add(Entry.of(t.getLong(i)));
      }
      return Optional.of(new Entries(t.shape().length, items));
    }
    return Optional.ofNullable(known.get(v));
  }

  private static Optional<Entries> evaluate(Graph g, Node n, Map<Value, Entries> known) {
    if (!n.domain().isEmpty()) {
      return Optional.empty();
    }
    List<Entries> in = new ArrayList<>();
    for (int i = 0; i < n.inputs().size(); i++) {
      in.add(n.opType().equals("Shape") ? null : entries(g, n.inputs().get(i), known).orElse(null));
    }
    return switch (n.opType()) {
      case "Shape" -> shapeOf(n);
      case "Identity" -> Optional.ofNullable(in.get(0));
      case "Cast" -> n.attribute("to").filter(t -> t instanceof Attribute.Str s && INTEGER_CASTS.contains(s.value())).isPresent() ? Optional.ofNullable(in.get(0)) : Optional.empty();
      case "Gather" -> gather(n, in);
      case "Slice" -> slice(in);
      case "Concat" -> concat(in);
      case "Unsqueeze" -> present(in, 1) && in.get(0).rank() == 0 ? Optional.of(new Entries(1, in.get(0).items())) : Optional.empty();
      case "Squeeze" -> present(in, 1) && in.get(0).rank() == 1 && in.get(0).items().size() == 1 ? Optional.of(new Entries(0, in.get(0).items())) : Optional.empty();
      case "Add", "Sub", "Mul", "Div" -> arithmetic(n.opType(), in);
      default -> Optional.empty();
    };
  }

  private static boolean present(List<Entries> in, int count) {
    return in.size() >= count && in.subList(0, count).stream().allMatch(e -> e != null);
  }

  private static Optional<Entries> shapeOf(Node n) {
    Shape s = n.inputs().get(0).type().shape();
    if (!s.ranked()) {
      return Optional.empty();
    }
    int rank = s.rank();
    int start = clamp(n.attribute("start").map(a -> ((Attribute.Int) a).value()).orElse(0L), rank);
    int end = clamp(n.attribute("end").map(a -> ((Attribute.Int) a).value()).orElse((long) rank), rank);
    List<Entry> items = new ArrayList<>();
    for (int d = start; d < end; d++) {
      Dim dim = s.dim(d);
      items.add(dim instanceof Dim.Fixed f ? Entry.of(f.size()) : dim.equals(Dims.UNKNOWN) ? null : new Entry(0, dim.toString()));
    }
    return Optional.of(new Entries(1, items));
  }

  private static int clamp(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    return (int) Math.max(0, Math.min(rank, a));
  }

  private static Optional<Entries> gather(Node n, List<Entries> in) {
    if (!present(in, 2) || in.get(0).rank() != 1 || !in.get(1).allNumbers() || ConstantFacts.intAttr(n, "axis") != 0) {
      return Optional.empty();
    }
    List<Entry> data = in.get(0).items();
    List<Entry> items = new ArrayList<>();
    for (Entry i : in.get(1).items()) {
      long at = i.number() < 0 ? i.number() + data.size() : i.number();
      if (at < 0 || at >= data.size()) {
        return Optional.empty();
      }
      items.add(data.get((int) at));
    }
    return Optional.of(new Entries(in.get(1).rank(), items));
  }

  /** Slice of a vector (opset 10+ form: starts, ends, optional axes and steps as inputs). */
  private static Optional<Entries> slice(List<Entries> in) {
    if (!present(in, 3) || in.get(0).rank() != 1 || in.size() > 3 && in.get(3) == null || in.size() > 4 && in.get(4) == null) {
      return Optional.empty();
    }
    for (int i = 1; i < in.size(); i++) {
      if (!in.get(i).allNumbers() || in.get(i).items().size() != 1) {
        return Optional.empty();
      }
    }
    if (in.size() > 3 && in.get(3).items().get(0).number() != 0 && in.get(3).items().get(0).number() != -1) {
      return Optional.empty();
    }
    long step = in.size() > 4 ? in.get(4).items().get(0).number() : 1;
    if (step == 0) {
      return Optional.empty();
    }
    List<Entry> data = in.get(0).items();
    int len = data.size();
    long start = bound(in.get(1).items().get(0).number(), len, step);
    long end = bound(in.get(2).items().get(0).number(), len, step);
    List<Entry> items = new ArrayList<>();
    for (long i = start; step > 0 ? i < end : i > end; i += step) {
      items.add(data.get((int) i));
    }
    return Optional.of(new Entries(1, items));
  }

  /** ONNX Slice clamping: negative indices count from the end, then clamp to [0, len] ([-1, len-1] stepping back). */
  private static long bound(long index, int len, long step) {
    long i = index < 0 ? index + len : index;
    return step > 0 ? Math.max(0, Math.min(len, i)) : Math.max(-1, Math.min(len - 1, i));
  }

  private static Optional<Entries> concat(List<Entries> in) {
    List<Entry> items = new ArrayList<>();
    for (Entries e : in) {
      if (e == null || e.rank() != 1) {
        return Optional.empty();
      }
      items.addAll(e.items());
    }
    return items.size() > MAX_ENTRIES ? Optional.empty() : Optional.of(new Entries(1, items));
  }

  /** Elementwise with a scalar or equal-length operand; a named dimension survives only identities (N*1, N+0). */
  private static Optional<Entries> arithmetic(String op, List<Entries> in) {
    if (!present(in, 2)) {
      return Optional.empty();
    }
    List<Entry> a = in.get(0).items();
    List<Entry> b = in.get(1).items();
    int len = Math.max(a.size(), b.size());
    if (a.size() != len && a.size() != 1 || b.size() != len && b.size() != 1) {
      return Optional.empty();
    }
    List<Entry> items = new ArrayList<>();
    for (int i = 0; i < len; i++) {
      items.add(apply(op, a.get(a.size() == 1 ? 0 : i), b.get(b.size() == 1 ? 0 : i)));
    }
    return Optional.of(new Entries(Math.max(in.get(0).rank(), in.get(1).rank()), items));
  }

  private static Entry apply(String op, Entry x, Entry y) {
    if (x == null || y == null) {
      return null;
    }
    if (x.isNumber() && y.isNumber()) {
      long a = x.number();
      long b = y.number();
      return switch (op) {
        case "Add" -> Entry.of(a + b);
        case "Sub" -> Entry.of(a - b);
        case "Mul" -> Entry.of(a * b);
        default -> b == 0 || a < 0 || b < 0 ? null : Entry.of(a / b);
      };
    }
    long identity = op.equals("Add") || op.equals("Sub") ? 0 : 1;
    if (y.isNumber() && y.number() == identity) {
      return x;
    }
    return x.isNumber() && x.number() == identity && (op.equals("Add") || op.equals("Mul")) ? y : null;
  }

  /** Replaces a computed Reshape target by a constant when its named entries can be written as 0 or -1. */
  private static boolean rewriteTarget(Graph g, Node n, Map<Value, Entries> known) {
    Value t = n.inputs().size() > 1 ? n.inputs().get(1) : null;
    if (t == null || g.isConstant(t) || !known.containsKey(t)) {
      return false;
    }
    Entries e = known.get(t);
    if (e.allNumbers()) {
      return false; // fold-constants' job: its producer reads constants only
    }
    Shape x = n.inputs().get(0).type().shape();
    boolean allowZero = ConstantFacts.intAttr(n, "allowzero") != 0;
    long[] target = new long[e.items().size()];
    boolean inferred = e.items().stream().anyMatch(i -> i != null && i.isNumber() && i.number() == -1);
    for (int k = 0; k < target.length; k++) {
      Entry i = e.items().get(k);
      if (i == null) {
        return false;
      }
      if (i.isNumber()) {
        target[k] = i.number();
      } else if (!allowZero && x.ranked() && k < x.rank() && x.dim(k).toString().equals(i.symbol())) {
        target[k] = 0;
      } else if (!inferred) {
        target[k] = -1;
        inferred = true;
      } else {
        return false;
      }
    }
    n.setInput(1, ConstantFacts.addConstant(g, t.name(), Tensor.ofLongs(new int[] {target.length}, target)));
    return true;
  }
}
