// The registry of op definitions, one per op.
package org.qcc.ir.ops;

import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import java.util.TreeMap;

/** All ops qcc knows, keyed by domain-qualified name. */
public final class OpRegistry {
  /** The Reduce* ops, which share one schema and one kernel shape. */
  public static final java.util.List<String> REDUCE_OPS = ReduceOps.REDUCE;

  private static final OpRegistry STANDARD = createStandard();
  private final TreeMap<String, OpDef> ops = new TreeMap<>();

  /** The registry of every built-in op. */
  public static OpRegistry standard() {
    return STANDARD;
  }

  private static OpRegistry createStandard() {
    OpRegistry r = new OpRegistry();
    ElementwiseOps.register(r);
    NnOps.register(r);
    TensorOps.register(r);
    ReduceOps.register(r);
    QuantOps.register(r);
    SparseOps.register(r);
    QonnxOps.register(r);
    return r;
  }

  /** Adds a definition; each op is defined exactly once. */
  public void add(OpDef def) {
    if (ops.putIfAbsent(def.key(), def) != null) {
      throw new IllegalStateException("op " + def.key() + " defined twice");
    }
  }

  public Optional<OpDef> lookup(String domain, String name) {
    String key = domain == null || domain.isEmpty() || domain.equals("ai.onnx") ? name : domain + "." + name;
    return Optional.ofNullable(ops.get(key));
  }

  public Collection<OpDef> all() {
    return Collections.unmodifiableCollection(ops.values());
  }
}
