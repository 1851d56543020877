// Pointwise functions shared by standalone and fused layers.
package org.qcc.backends.llvm;

/** IR for pointwise activations, matching the interpreter's kernels bit for bit. */
final class Activations {
  private Activations() {}

  /** The interpreter's ReLU: x when x > 0, NaN stays NaN, everything else (-0 included) becomes +0. */
  static String relu(IrFunction f, String x, String type) {
    boolean vector = type.startsWith("<");
    String bool = vector ? "<" + type.substring(1, type.indexOf(' ')) + " x i1>" : "i1";
    String zero = vector ? "zeroinitializer" : "0.0";
    String pos = f.let("fcmp ogt " + type + " " + x + ", " + zero);
    String nan = f.let("fcmp uno " + type + " " + x + ", " + zero);
    String keep = f.let("or " + bool + " " + pos + ", " + nan);
    return f.let("select " + bool + " " + keep + ", " + type + " " + x + ", " + type + " " + zero);
  }
}
