// The golden model's exp and erf (RefMath) as LLVM functions: the same double operations on the same constants.
package org.qcc.backends.llvm;

import org.qcc.simulator.functional.RefMath;

/**
 * Scalar {@code double -> double} functions, always inlined so that loops calling them vectorize.
 * Out-of-range inputs take a harmless stand-in through the arithmetic (a NaN or huge value would
 * make the integer conversions poison) and their result is selected at the end, which gives the
 * branches of {@link RefMath} without branching.
 */
final class RefMathIr {
  private RefMathIr() {}

  /** {@code @qcc_exp}, defined in the module on first use. */
  static String exp(ModelLowering.Globals g) {
    return g.helper("qcc_exp", RefMathIr::defineExp);
  }

  /** {@code @qcc_erf}, defined (with its coefficient table) on first use. */
  static String erf(ModelLowering.Globals g) {
    return g.helper("qcc_erf", RefMathIr::defineErf);
  }

  private static String defineExp(ModelLowering.Globals g) {
    IrFunction f = new IrFunction("internal double @qcc_exp(double %x) alwaysinline");
    String nan = f.let("fcmp uno double %x, 0.0");
    String big = f.let("fcmp ogt double %x, " + Ir.f64(RefMath.EXP_OVERFLOW));
    String small = f.let("fcmp olt double %x, " + Ir.f64(RefMath.EXP_UNDERFLOW));
    String special = f.let("or i1 " + f.let("or i1 " + nan + ", " + big) + ", " + small);
    String x = f.let("select i1 " + special + ", double 0.0, double %x");
    String k = f.let("call double @llvm.roundeven.f64(double " + f.let("fmul double " + x + ", " + Ir.f64(RefMath.LOG2E)) + ")");
    String minusK = f.let("fneg double " + k);
    String r = fma(f, minusK, Ir.f64(RefMath.LN2_LO), fma(f, minusK, Ir.f64(RefMath.LN2_HI), x));
    String p = horner(f, RefMath.EXP_POLY, 0, RefMath.EXP_POLY.length, r);
    String ki = f.let("fptosi double " + k + " to i64");
    String half = f.let("ashr i64 " + ki + ", 1");
    String y = f.let("fmul double " + f.let("fmul double " + p + ", " + powerOfTwo(f, half)) + ", " + powerOfTwo(f, f.let("sub nsw i64 " + ki + ", " + half)));
    String finite = f.let("select i1 " + small + ", double 0.0, double " + y);
    String high = f.let("select i1 " + big + ", double " + Ir.f64(Double.POSITIVE_INFINITY) + ", double " + finite);
    return f.text("double", f.let("select i1 " + nan + ", double %x, double " + high));
  }

  private static String defineErf(ModelLowering.Globals g) {
    String table = g.doubles(RefMath.ERF_POLY);
    IrFunction f = new IrFunction("internal double @qcc_erf(double %x) alwaysinline");
    String a = f.let("call double @llvm.fabs.f64(double %x)");
    String outside = f.let("fcmp uge double " + a + ", " + Ir.f64(RefMath.ERF_LIMIT)); // NaN included: copysign(1, NaN) is replaced below
    String in = f.let("select i1 " + outside + ", double 0.0, double " + a);
    String j = f.let("call double @llvm.roundeven.f64(double " + f.let("fmul double " + in + ", " + Ir.f64(1 / RefMath.ERF_STEP)) + ")");
    String u = f.let("fsub double " + in + ", " + f.let("fmul double " + j + ", " + Ir.f64(RefMath.ERF_STEP)));
    String row = f.let("mul nsw i64 " + f.let("fptosi double " + j + " to i64") + ", " + RefMath.ERF_TERMS);
    String p = null;
    for (int t = 0; t < RefMath.ERF_TERMS; t++) {
      String c = f.let("load double, ptr " + f.at("double", table, f.add(row, String.valueOf(t))));
      p = p == null ? c : fma(f, p, u, c);
    }
    String r = f.let("select i1 " + outside + ", double 1.0, double " + p);
    String signed = f.let("call double @llvm.copysign.f64(double " + r + ", double %x)");
    String y = f.let("select i1 " + f.let("fcmp uno double %x, 0.0") + ", double %x, double " + signed);
    return f.text("double", y);
  }

  private static String fma(IrFunction f, String a, String b, String c) {
    return f.let("call double @llvm.fma.f64(double " + a + ", double " + b + ", double " + c + ")");
  }

  private static String horner(IrFunction f, double[] c, int from, int count, String x) {
    String p = Ir.f64(c[from]);
    for (int i = from + 1; i < from + count; i++) {
      p = fma(f, p, x, Ir.f64(c[i]));
    }
    return p;
  }

  private static String powerOfTwo(IrFunction f, String e) {
    return f.let("bitcast i64 " + f.let("shl i64 " + f.let("add nsw i64 " + e + ", 1023") + ", 52") + " to double");
  }
}
