// Spelling of LLVM IR constants and common instruction sequences.
package org.qcc.backends.llvm;

/** LLVM IR text for literals and vector types. */
final class Ir {
  private Ir() {}

  /** A float constant, written as LLVM requires: the hex of the same value as a double. */
  static String f32(float v) {
    return String.format("0x%016X", Double.doubleToRawLongBits(v));
  }

  /** A double constant in hex (exact). */
  static String f64(double v) {
    return String.format("0x%016X", Double.doubleToRawLongBits(v));
  }

  /** {@code <lanes x float>}; one lane is a valid vector too, which lets one emitter cover the scalar tail. */
  static String vec(int lanes) {
    return vec(lanes, "float");
  }

  /** {@code <lanes x type>}. */
  static String vec(int lanes, String type) {
    return "<" + lanes + " x " + type + ">";
  }

  /** The overload suffix of an intrinsic on {@code lanes}-wide vectors of {@code type}, e.g. {@code v4f64}. */
  static String vecSuffix(int lanes, String type) {
    return "v" + lanes + suffix(type);
  }

  /** The overload suffix of an intrinsic on a scalar or vector IR type: {@code f32}, {@code f64}, {@code v8f32}, {@code v4f64}, {@code v8i16}. */
  static String suffix(String type) {
    if (type.startsWith("<")) {
      return "v" + type.substring(1, type.indexOf(' ')) + suffix(type.substring(type.lastIndexOf(' ') + 1, type.length() - 1));
    }
    return switch (type) {
      case "double" -> "f64";
      case "float" -> "f32";
      default -> type;
    };
  }

  /** {@code elem}, or a vector of it as wide as {@code type} when that is a vector. */
  static String sameShape(String type, String elem) {
    return type.startsWith("<") ? vec(Integer.parseInt(type.substring(1, type.indexOf(' '))), elem) : elem;
  }

  /** The interpreter's ReLU of a float or float vector: x when x > 0, NaN stays NaN, everything else (-0 included) becomes +0. */
  static String relu(IrFunction f, String type, String x) {
    String zero = type.startsWith("<") ? "zeroinitializer" : "0.0";
    String bits = sameShape(type, "i1");
    String keep = f.let("or " + bits + " " + f.let("fcmp ogt " + type + " " + x + ", " + zero) + ", " + f.let("fcmp uno " + type + " " + x + ", " + zero));
    return f.let("select " + bits + " " + keep + ", " + type + " " + x + ", " + type + " " + zero);
  }

  /** The overload suffix of a float intrinsic on {@code lanes}-wide vectors, e.g. {@code v8f32}. */
  static String vecSuffix(int lanes) {
    return "v" + lanes + "f32";
  }

  /** A constant {@code <lanes x i1>} mask whose first {@code valid} lanes are set. */
  static String mask(int lanes, int valid) {
    StringBuilder m = new StringBuilder("<" + lanes + " x i1> <");
    for (int i = 0; i < lanes; i++) {
      m.append(i == 0 ? "" : ", ").append("i1 ").append(i < valid);
    }
    return m.append('>').toString();
  }

  /** Broadcasts a float SSA value or constant to all lanes. */
  static String splat(IrFunction f, String scalar, int lanes) {
    return splat(f, scalar, lanes, "float");
  }

  /** Broadcasts a scalar of {@code type} to all lanes. */
  static String splat(IrFunction f, String scalar, int lanes, String type) {
    String vt = vec(lanes, type);
    String one = f.let("insertelement " + vt + " poison, " + type + " " + scalar + ", i64 0");
    return f.let("shufflevector " + vt + " " + one + ", " + vt + " poison, <" + lanes + " x i32> zeroinitializer");
  }
}
