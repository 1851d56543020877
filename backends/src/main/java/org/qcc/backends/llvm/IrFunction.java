// Builds the text of one LLVM function: fresh SSA names, counted loops, allocas kept in the entry block.
package org.qcc.backends.llvm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * An LLVM function under construction. Loop counters and accumulators live in allocas, which
 * keeps the builder free of phi bookkeeping: SROA and mem2reg in the O3 pipeline turn them into
 * registers. Integers are i64 throughout.
 */
final class IrFunction {
  private final String header;
  private final StringBuilder allocas = new StringBuilder();
  private final StringBuilder body = new StringBuilder();
  private final Deque<Loop> loops = new ArrayDeque<>();
  private int next;

  private record Loop(String counter, String value, String label, long step) {}

  /** {@code signature}: e.g. {@code internal void @relu(ptr noalias %x, ptr noalias %y, i64 %count)}. */
  IrFunction(String signature) {
    this.header = "define " + signature + " {\n";
  }

  /** A fresh SSA name. */
  String fresh() {
    return "%v" + next++;
  }

  /** Emits {@code %new = rhs} and returns the new name. */
  String let(String rhs) {
    String name = fresh();
    body.append("  ").append(name).append(" = ").append(rhs).append('\n');
    return name;
  }

  /** Emits an instruction without a result. */
  void emit(String instruction) {
    body.append("  ").append(instruction).append('\n');
  }

  /** A stack slot of {@code type} in the entry block. */
  String alloca(String type) {
    String name = fresh();
    allocas.append("  ").append(name).append(" = alloca ").append(type).append(", align 64\n");
    return name;
  }

  /** Opens {@code for (i = from; i < to; i += step)}; returns the counter's value, an i64. */
  String forLoop(String from, String to, long step) {
    String counter = alloca("i64");
    String label = "L" + next++;
    emit("store i64 " + from + ", ptr " + counter);
    emit("br label %" + label + ".head");
    body.append(label).append(".head:\n");
    String i = let("load i64, ptr " + counter);
    String more = let("icmp slt i64 " + i + ", " + to);
    emit("br i1 " + more + ", label %" + label + ".body, label %" + label + ".exit");
    body.append(label).append(".body:\n");
    loops.push(new Loop(counter, i, label, step));
    return i;
  }

  /** Closes the innermost loop. */
  void endLoop() {
    Loop l = loops.pop();
    String n = let("add nsw i64 " + l.value + ", " + l.step);
    emit("store i64 " + n + ", ptr " + l.counter);
    emit("br label %" + l.label + ".head");
    body.append(l.label).append(".exit:\n");
  }

  /** Starts basic block {@code name}; the previous block must have ended with a branch. */
  void label(String name) {
    body.append(name).append(":\n");
  }

  /**
   * The coordinates of a flat row-major index, innermost first: one per size in {@code sizes}
   * (innermost first), then the quotient that remains.
   */
  String[] unflatten(String index, long... sizes) {
    String[] out = new String[sizes.length + 1];
    String rest = index;
    for (int d = 0; d < sizes.length; d++) {
      out[d] = let("urem i64 " + rest + ", " + sizes[d]);
      rest = let("udiv i64 " + rest + ", " + sizes[d]);
    }
    out[sizes.length] = rest;
    return out;
  }

  /** One loop per dimension, outermost first, each from 0 to its size; returns the counters in the same order. */
  String[] forLoops(int[] dims) {
    String[] at = new String[dims.length];
    for (int d = 0; d < dims.length; d++) {
      at[d] = forLoop("0", String.valueOf(dims[d]), 1);
    }
    return at;
  }

  /** Closes {@code n} loops. */
  void endLoops(int n) {
    for (int i = 0; i < n; i++) {
      endLoop();
    }
  }

  /** The coordinates of row-major index {@code index} over {@code [rest, dims...]}: the leading quotient first, then one per dim. */
  String[] coordinates(String index, int[] dims) {
    long[] inner = new long[dims.length];
    for (int d = 0; d < dims.length; d++) {
      inner[d] = dims[dims.length - 1 - d];
    }
    String[] innermostFirst = unflatten(index, inner);
    String[] out = new String[dims.length + 1];
    for (int d = 0; d <= dims.length; d++) {
      out[d] = innermostFirst[dims.length - d];
    }
    return out;
  }

  /** {@code base + sum of coords[d] * strides[d]} in i64. */
  String offset(String base, String[] coords, long[] strides) {
    String at = base;
    for (int d = 0; d < coords.length; d++) {
      if (strides[d] != 0) {
        at = mulAdd(coords[d], strides[d], at);
      }
    }
    return at;
  }

  /** Row-major strides of {@code dims}, in elements. */
  static long[] strides(int[] dims) {
    long[] s = new long[dims.length];
    long step = 1;
    for (int d = dims.length - 1; d >= 0; d--) {
      s[d] = step;
      step *= dims[d];
    }
    return s;
  }

  /** {@code base + index * 4}: the address of float {@code index}. */
  String floatAt(String base, String index) {
    return at("float", base, index);
  }

  /** The address of element {@code index} of type {@code type} from {@code base}. */
  String at(String type, String base, String index) {
    return let("getelementptr inbounds " + type + ", ptr " + base + ", i64 " + index);
  }

  /** {@code a * b + c} in i64 (no wrap: indices fit). */
  String mulAdd(String a, long b, String c) {
    String p = let("mul nsw i64 " + a + ", " + b);
    return let("add nsw i64 " + p + ", " + c);
  }

  String add(String a, String b) {
    return let("add nsw i64 " + a + ", " + b);
  }

  String text() {
    return finish("ret void");
  }

  /** The text of a function returning {@code value} of {@code type}. */
  String text(String type, String value) {
    return finish("ret " + type + " " + value);
  }

  private String finish(String ret) {
    if (!loops.isEmpty()) {
      throw new IllegalStateException("unclosed loop in generated function");
    }
    return header + "entry:\n" + allocas + body + "  " + ret + "\n}\n";
  }
}
