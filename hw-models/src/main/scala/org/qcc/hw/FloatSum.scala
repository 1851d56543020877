// Correctly rounded IEEE sums of two exact terms: the fp32 adds, fused multiply-adds and wide accumulations of the golden model.
package org.qcc.hw

import chisel3._
import chisel3.util._

/** An IEEE 754 binary format of `expBits` exponent and `fracBits` fraction bits. */
final case class IeeeFormat(expBits: Int, fracBits: Int) {
  val width: Int = 1 + expBits + fracBits
  val precision: Int = fracBits + 1
  val bias: Int = (1 << (expBits - 1)) - 1
  /** The exponent of the smallest normal number. */
  val minExponent: Int = 1 - bias
}

object IeeeFormat {
  val Fp32: IeeeFormat = IeeeFormat(8, 23)
  val Fp64: IeeeFormat = IeeeFormat(11, 52)
}

/** A finite number `(-1)^negative * significand * 2^exponent`; a zero significand is a zero of that sign. */
class ExactTerm(val sigBits: Int, val expBits: Int) extends Bundle {
  val negative = Bool()
  val exponent = SInt(expBits.W)
  val significand = UInt(sigBits.W)
}

object ExactTerm {

  /** The exponent width that holds every finite value of `f` as an [[ExactTerm]] with an integer significand, and `extra` more bits of range. */
  def exponentBits(f: IeeeFormat, extra: Int = 0): Int = log2Ceil(f.bias + f.fracBits + 2) + 2 + extra

  /** The term a finite packed number of `f` is; `expBits` from [[exponentBits]]. */
  def unpack(bits: UInt, f: IeeeFormat, expBits: Int): ExactTerm = {
    val t = Wire(new ExactTerm(f.precision, expBits))
    val e = bits(f.width - 2, f.fracBits)
    val normal = e =/= 0.U
    t.negative := bits(f.width - 1)
    t.significand := Cat(normal, bits(f.fracBits - 1, 0))
    // A subnormal has the smallest normal exponent without the hidden bit.
    t.exponent := (Mux(normal, e, 1.U).zext - (f.bias + f.fracBits).S).pad(expBits)
    t
  }
}

/**
 * Rounds the exact sum of two terms to `out`, to nearest with ties to even, as IEEE 754 adds: one
 * rounding, gradual underflow to subnormals, overflow to an infinity, and an exact zero sum +0
 * unless both terms are -0. Combinational, or with `pipelined` in [[FloatSum.Latency]] stages that
 * all take their inputs when `advance` is high (the cuts fall after normalizing, comparing the
 * exponents, aligning, adding, finding the leading one, placing the rounding point, finding the rounding bits and
 * rounding).
 *
 * Why the sticky bit suffices: both significands are first normalized to `w` bits. The term with
 * the higher leading bit sits at the top of a `2w + 3`-bit window and the other is shifted into it
 * by the difference `d` of the leading bits' exponents. Bits that fall out of the window are ORed
 * into one sticky bit below it. They fall out only when `d > w + 3`, and then the smaller term is
 * below 2^-(w+2) of the larger, so the sum keeps its leading bit within one place of the larger
 * term's. The result's rounding bit then lies at least `2w + 3 - 1 - precision > 1` places above
 * the window's bottom, because `precision <= w + 1`. A sticky bit standing for "some value strictly
 * between 0 and one unit of the bottom place" puts the approximate sum in the same rounding
 * interval as the exact one, for additions and for subtractions alike.
 */
class FloatSum(val aBits: Int, val bBits: Int, val expBits: Int, val out: IeeeFormat, val pipelined: Boolean = false) extends Module {
  private val w = math.max(aBits, bBits)
  require(out.precision <= w + 1, s"the terms' ${w}-bit significands must be at least as wide as ${out.precision - 1} bits")

  val io = IO(new Bundle {
    val a = Input(new ExactTerm(aBits, expBits))
    val b = Input(new ExactTerm(bBits, expBits))
    val sum = Output(UInt(out.width.W))
    /** Pipelined: every stage takes its inputs on a cycle this is high. */
    val advance = Option.when(pipelined)(Input(Bool()))
  })

  /** `x` one stage later when pipelined ([[FloatSum.Latency]] stages in all). */
  private def cut[T <: Data](x: T): T = io.advance.fold(x)(a => RegEnable(x, a))

  private val leadBits = expBits + 2

  /** The term's significand normalized to `w` bits (leading one on top) and the exponent of that leading bit. */
  private def normalize(t: ExactTerm): (UInt, SInt) = {
    val s = t.significand.pad(w)
    val zeros = FloatSum.leadingZeros(s)
    ((s << zeros)(w - 1, 0), t.exponent.pad(leadBits) + (w - 1).S - zeros.zext)
  }

  private val (na, ea) = { val (n, e) = normalize(io.a); (cut(n), cut(e)) }
  private val (nb, eb) = { val (n, e) = normalize(io.b); (cut(n), cut(e)) }
  private val aZero = cut(io.a.significand === 0.U)
  private val bZero = cut(io.b.significand === 0.U)
  private val aNegative = cut(io.a.negative)
  private val bNegative = cut(io.b.negative)
  private val aBig = !aZero && (bZero || ea >= eb)
  private val window = 2 * w + 3
  // d is at most the exponent range; beyond window + w every bit of the smaller term is sticky.
  private val d = (Mux(aBig, ea, eb) - Mux(aBig, eb, ea)).asUInt
  private val shift = cut(Mux(d > (window + w).U, (window + w).U, d))
  private val smallSig = cut(Mux(aBig, Mux(bZero, 0.U, nb), Mux(aZero, 0.U, na)))
  private val extended = Cat(smallSig, 0.U((2 * window - w).W)) >> shift
  private val bigSig = cut(cut(Mux(aBig, na, nb)))
  private val bigExp = cut(cut(Mux(aBig, ea, eb)))
  private val bigNeg = cut(cut(Mux(aBig, aNegative, bNegative)))
  private val smallNeg = cut(cut(Mux(aBig, bNegative, aNegative)))
  private val smallWindow = cut(extended(2 * window - 1, window))
  private val sticky = cut(extended(window - 1, 0).orR)
  private val bothNegativeZeros = cut(cut(aNegative && bNegative && aZero && bZero))

  // Bit i of these is worth 2^(bigExp - window + i).
  private val big = Cat(0.U(1.W), bigSig, 0.U((window - w + 1).W))
  private val small = Cat(0.U(1.W), smallWindow, sticky)
  private val same = bigNeg === smallNeg
  private val difference = big.zext - small.zext
  private val added = cut(Mux(same, big +& small, Mux(difference < 0.S, (small -& big), difference.asUInt))(window + 1, 0))
  private val m = added.getWidth

  // The leading one's place, the result's exponent, and its last kept place (subnormals keep fewer).
  private val msb = cut((m - 1).U - FloatSum.leadingZeros(added))
  private val magnitude = cut(added)
  private val negative = cut(cut(Mux(same || difference >= 0.S, bigNeg, smallNeg)))
  private val base = cut(cut(bigExp - window.S))
  private val zeroNegative = cut(cut(bothNegativeZeros))
  private val exponent = base + msb.zext
  private val lsbExponent = Mux(exponent < out.minExponent.S, out.minExponent.S, exponent) - (out.precision - 1).S
  // The shift that brings the last kept place to bit 0, plus `precision` so it is never negative.
  private val placed = lsbExponent - base + out.precision.S
  private val cap = m + out.precision + 1
  private val t = cut(Mux(placed > cap.S, cap.U, placed.asUInt))
  private val x = cut(Cat(magnitude, 0.U(out.precision.W)))
  private val exponentLater = cut(exponent)
  private val negativeLater = cut(negative)
  private val zeroNegativeLater = cut(zeroNegative)
  private val xw = x.getWidth
  private val kept = cut((x >> t)(out.precision, 0))
  private val round = cut((x >> (t - 1.U))(0))
  private val below = VecInit((0 to xw).map(i => if (i == 0) false.B else x(i - 1, 0).orR))
  private val restIndex = Mux(t - 1.U > xw.U, xw.U, t - 1.U)
  private val rest = cut(below(restIndex(log2Ceil(xw + 1) - 1, 0)))
  private val zero = cut(x === 0.U)
  private val roundedExponent = cut(exponentLater)
  private val roundedNegative = cut(negativeLater)
  private val roundedZeroNegative = cut(zeroNegativeLater)
  private val rounded = cut(kept +& (round && (rest || kept(0))))
  private val finalExponent = cut(roundedExponent)
  private val finalNegative = cut(roundedNegative)
  private val finalZero = cut(zero)
  private val finalZeroNegative = cut(roundedZeroNegative)

  // The exponent field counts from the subnormals: (field - 1) << fracBits plus a significand with
  // its leading one carries into the field, so a round-up past 2^precision, or from the largest
  // subnormal to the smallest normal, comes out right.
  private val fieldBase = Mux(finalExponent < out.minExponent.S, 0.S, finalExponent + (out.bias - 1).S)
  private val packedWidth = out.width + 4
  private val magnitudeBits = (fieldBase.pad(packedWidth).asUInt << out.fracBits) + rounded.pad(packedWidth)
  private val infinity = ((1 << out.expBits) - 1).U << out.fracBits
  private val overflow = fieldBase >= ((1 << out.expBits) - 1).S || magnitudeBits >= infinity
  io.sum := Mux(
    finalZero,
    Cat(finalZeroNegative, 0.U((out.width - 1).W)),
    Cat(finalNegative, Mux(overflow, infinity, magnitudeBits(out.width - 2, 0)))
  )
}

object FloatSum {

  /** Cycles from a pipelined FloatSum's terms to their sum. */
  val Latency: Int = 8

  /**
   * The leading zeros of a nonzero `x` (`width - 1` for zero, as Chisel's priority encoder gives),
   * by a tree of halves: log depth, where a priority encoder chains muxes.
   */
  def leadingZeros(x: UInt): UInt = {
    val n = x.getWidth
    val bits = log2Ceil(n + 1)
    // (all zero, leading zeros of a nonzero part) for x(hi - 1, lo).
    def count(hi: Int, lo: Int): (Bool, UInt) =
      if (hi - lo == 1) {
        (!x(lo), 0.U(1.W))
      } else {
        val half = 1 << (log2Ceil(hi - lo) - 1)
        val (upperZero, upper) = count(hi, hi - half)
        val (lowerZero, lower) = count(hi - half, lo)
        (upperZero && lowerZero, Mux(upperZero, half.U +& lower, upper.pad(log2Ceil(half + 1))))
      }
    val (zero, zeros) = count(n, 0)
    Mux(zero, (n - 1).U(bits.W), zeros.pad(bits))
  }
}

/**
 * `a + b` for packed numbers of formats `fa` and `fb`, rounded to `out` as IEEE 754 adds (Java's
 * float and double `+`): a NaN operand or infinities of both signs give the quiet NaN, an infinity
 * gives itself, and finite operands their correctly rounded sum. Combinational.
 */
class FloatAdd(val fa: IeeeFormat, val fb: IeeeFormat, val out: IeeeFormat) extends Module {
  val io = IO(new Bundle {
    val a = Input(UInt(fa.width.W))
    val b = Input(UInt(fb.width.W))
    val sum = Output(UInt(out.width.W))
  })
  private val expBits = math.max(ExactTerm.exponentBits(fa), ExactTerm.exponentBits(fb))
  private val sum = Module(new FloatSum(fa.precision, fb.precision, expBits, out))
  sum.io.a := ExactTerm.unpack(io.a, fa, expBits)
  sum.io.b := ExactTerm.unpack(io.b, fb, expBits)
  private val a = FloatAdd.Classes(io.a, fa)
  private val b = FloatAdd.Classes(io.b, fb)
  private val nan = a.nan || b.nan || (a.inf && b.inf && a.negative =/= b.negative)
  io.sum := MuxCase(
    sum.io.sum,
    Seq(
      nan -> FloatAdd.quietNaN(out),
      a.inf -> FloatAdd.infinity(out, a.negative),
      b.inf -> FloatAdd.infinity(out, b.negative)
    )
  )
}

object FloatAdd {

  /** Whether packed `bits` of `f` are a NaN or an infinity, and its sign. */
  final case class Classes(nan: Bool, inf: Bool, negative: Bool)

  object Classes {
    def apply(bits: UInt, f: IeeeFormat): Classes = {
      val top = bits(f.width - 2, f.fracBits).andR
      val fraction = bits(f.fracBits - 1, 0).orR
      Classes(top && fraction, top && !fraction, bits(f.width - 1))
    }
  }

  /** The quiet NaN Java's arithmetic produces: positive, the top fraction bit set. */
  def quietNaN(f: IeeeFormat): UInt = (((BigInt(1) << (f.expBits + 1)) - 1) << (f.fracBits - 1)).U(f.width.W)

  def infinity(f: IeeeFormat, negative: Bool): UInt = Cat(negative, (((BigInt(1) << f.expBits) - 1) << f.fracBits).U((f.width - 1).W))
}

/**
 * The golden model's requantizing step of an integer-accumulating layer, `fma(fp32(S), m, bias)`
 * in fp32 for an exact `accBits`-bit sum S and finite fp32 `m` and `bias`: S rounded once to fp32
 * (exact below 2^24 in magnitude, so that step is left out for sums of at most 25 bits), then its
 * product with m, exact, plus bias, rounded once. Combinational, or with `pipelined` in
 * `latency` stages that all take their inputs when `advance` is high.
 */
class IntFma(val accBits: Int, val pipelined: Boolean = false) extends Module {
  require(accBits >= 2 && accBits <= 64, s"sums of 2 to 64 bits, got $accBits")
  private val f = IeeeFormat.Fp32
  val io = IO(new Bundle {
    val sum = Input(SInt(accBits.W))
    val multiplier = Input(UInt(32.W))
    val bias = Input(UInt(32.W))
    val out = Output(UInt(32.W))
    val advance = Option.when(pipelined)(Input(Bool()))
  })
  private val exact = accBits <= IntFma.ExactBits
  /** Cycles from the inputs to the output. */
  val latency: Int = IntFma.cycles(accBits, pipelined)
  private def delay[T <: Data](x: T, n: Int): T = io.advance.fold(x)(a => ShiftRegister(x, n, a))

  private val expBits = ExactTerm.exponentBits(f, extra = 1)
  private val wide = io.sum.pad(accBits + 1)
  private val negative = io.sum < 0.S
  private val magnitude = Mux(negative, (0.S - wide).asUInt, wide.asUInt)(accBits - 1, 0)
  // fp32(S): the sum itself, or the sum rounded by a FloatSum with a zero second term.
  private val (sBits, sExponent, sSignificand, sNegative, rounding) =
    if (exact) {
      (accBits, 0.S(expBits.W), magnitude, negative, 0)
    } else {
      val round = Module(new FloatSum(accBits, 1, expBits, f, pipelined))
      round.io.advance.foreach(_ := io.advance.get)
      round.io.a.negative := negative
      round.io.a.exponent := 0.S
      round.io.a.significand := magnitude
      round.io.b.negative := false.B
      round.io.b.exponent := 0.S
      round.io.b.significand := 0.U
      val s = ExactTerm.unpack(round.io.sum, f, expBits)
      (f.precision, s.exponent, s.significand, s.negative, if (pipelined) FloatSum.Latency else 0)
    }
  private val m = ExactTerm.unpack(delay(io.multiplier, rounding), f, expBits)
  private val bias = delay(io.bias, rounding + 1)
  private val productBits = (if (exact) accBits - 1 else sBits) + f.precision
  private val core = Module(new FloatSum(productBits, f.precision, expBits, f, pipelined))
  core.io.advance.foreach(_ := io.advance.get)
  core.io.a.negative := delay(sNegative =/= m.negative, 1)
  core.io.a.exponent := delay(sExponent + m.exponent, 1)
  core.io.a.significand := delay((sSignificand * m.significand)(productBits - 1, 0), 1)
  core.io.b := ExactTerm.unpack(bias, f, expBits)
  io.out := core.io.sum
}

object IntFma {

  /** Sums of at most this many bits are exact in fp32. */
  val ExactBits: Int = 25

  /** Cycles from an IntFma's inputs to its output: rounding a wide sum, the product, the sum with the bias. */
  def cycles(accBits: Int, pipelined: Boolean): Int =
    if (pipelined) (if (accBits <= ExactBits) 0 else FloatSum.Latency) + 1 + FloatSum.Latency else 0
}
