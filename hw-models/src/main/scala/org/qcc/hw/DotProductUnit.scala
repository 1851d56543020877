// A dot-product unit for one pair of formats: SIMD lanes of exact products into a fixed-point accumulator.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * One beat of a dot product: `lanes` pairs of codes; with `shiftBits` above 0, the left shift of
 * the beat's sum of products (no field otherwise, so units that never shift drive nothing more);
 * `last` closes the dot product.
 */
class DotProductBeat(aFormat: CodeFormat, bFormat: CodeFormat, lanes: Int, shiftBits: Int = 0) extends Bundle {
  val a = Vec(lanes, UInt(aFormat.bits.W))
  val b = Vec(lanes, UInt(bFormat.bits.W))
  val shift = Option.when(shiftBits > 0)(UInt(shiftBits.W))
  val last = Bool()
}

/**
 * A finished dot product: the exact sum on the grid of step `2^(lsbA + lsbB)`, or, when a product
 * involved an infinity or NaN, the IEEE sum's class (NaN, or an infinity of one sign).
 */
class DotProductResult(accBits: Int) extends Bundle {
  val sum = SInt(accBits.W)
  val nan = Bool()
  val posInf = Bool()
  val negInf = Bool()
}

/**
 * Multiplies `lanes` code pairs per beat exactly (significands times each other, shifted by the sum
 * of their shifts) and accumulates them in `accBits` bits. The caller derives `accBits` from the
 * formats and the dot product's length so that no sum can overflow: with every product in [pmin,
 * pmax], `terms` of them sum into [terms * pmin, terms * pmax], and `accBits` is the width that
 * holds both ends (qcc's Accumulator.exact). A product word can be wider than that: its width
 * covers every significand at every shift, while a short dot product's exact sums may need fewer
 * bits. Such products are wrapped to `accBits`: two's-complement sums are exact modulo 2^accBits,
 * so a final sum that fits `accBits` comes out exact whatever the intermediate words held.
 * Specials follow IEEE: a NaN operand or infinity times zero makes the product NaN, an infinity
 * times anything else an infinity of the product's sign, and infinities of both signs in one dot
 * product make it NaN. The result is registered: it is valid the cycle after the last beat.
 *
 * With `shiftBits` above 0 each beat also carries a left shift for its sum of products: the
 * exponent its weights share when the caller stored them divided by their common power of two
 * (block-scaled weights), so the lanes multiply narrow codes and the accumulator still gets the
 * exact sum. The shifted sum is wrapped like a product, exact for the same reason.
 */
class DotProductUnit(val a: CodeFormat, val b: CodeFormat, val lanes: Int, val accBits: Int, val shiftBits: Int = 0) extends Module {
  require(lanes >= 1, s"at least one lane, got $lanes")
  require(accBits >= 1, s"an accumulator of at least 1 bit, got $accBits")

  val io = IO(new Bundle {
    val in = Flipped(Valid(new DotProductBeat(a, b, lanes, shiftBits)))
    val out = Valid(new DotProductResult(accBits))
  })

  private val products = (0 until lanes).map(i => DotProductUnit.product(a, b, io.in.bits.a(i), io.in.bits.b(i)))

  // Bipolar x bipolar is XNOR-popcount: equal codes multiply to +1, others to -1, so the beat's
  // sum is 2 * (number of equal pairs) - lanes, with no multipliers at all.
  private val beatSum =
    if (a == BipolarCodes && b == BipolarCodes) {
      val equal = PopCount((0 until lanes).map(i => io.in.bits.a(i)(0) === io.in.bits.b(i)(0)))
      ((equal ## 0.U(1.W)).zext -& lanes.S)
    } else products.map(p => DotProductUnit.wrap(p._1, accBits)).reduce(_ +% _)
  private val shifted = io.in.bits.shift.fold(beatSum)(s => DotProductUnit.wrap(beatSum << s, accBits))
  io.out := DotProductUnit.accumulate(accBits, io.in.valid, io.in.bits.last, shifted, products.map(_._2).reduce(_ || _), products.map(_._3).reduce(_ || _), products.map(_._4).reduce(_ || _))
}

object DotProductUnit {

  /** The bits that hold any exact product of a code of `a` and one of `b`. */
  def productBits(a: CodeFormat, b: CodeFormat): Int = a.significandBits + b.significandBits + a.maxShift + b.maxShift

  /** `x` as a `bits`-bit word: sign-extended when narrower, its low bits (exact modulo 2^bits) when wider. */
  def wrap(x: SInt, bits: Int): SInt = if (x.getWidth > bits) x(bits - 1, 0).asSInt else x.pad(bits)

  /**
   * The exact product of two codes on the product grid (0 for a special), and whether it is NaN
   * (a NaN operand, or infinity times zero), +infinity or -infinity.
   */
  def product(a: CodeFormat, b: CodeFormat, codeA: UInt, codeB: UInt): (SInt, Bool, Bool, Bool) = {
    val x = a.decode(codeA)
    val y = b.decode(codeB)
    val nan = x.nan || y.nan || (x.inf && y.zero) || (y.inf && x.zero)
    val inf = (x.inf || y.inf) && !nan
    // The shift's width allows more than maxShift; the true product fits productBits, so the rest is sign.
    val exact = ((x.value * y.value) << (x.shift +& y.shift)).asSInt(productBits(a, b) - 1, 0).asSInt
    (Mux(nan || inf, 0.S, exact), nan, inf && !(x.negative ^ y.negative), inf && (x.negative ^ y.negative))
  }

  /**
   * Adds each valid beat's `sum` to an `accBits`-bit accumulator, restarting after a `last` beat,
   * and keeps the specials seen; the dot product's result is valid the cycle after its last beat:
   * NaN when a NaN took part or infinities of both signs did, else the infinity, else the sum.
   */
  def accumulate(accBits: Int, valid: Bool, last: Bool, sum: SInt, nan: Bool, posInf: Bool, negInf: Bool): Valid[DotProductResult] = {
    val acc = RegInit(0.S(accBits.W))
    val sawNan = RegInit(false.B)
    val sawPos = RegInit(false.B)
    val sawNeg = RegInit(false.B)
    val first = RegInit(true.B)
    val total = Mux(first, 0.S, acc) +% wrap(sum, accBits)
    val anyNan = Mux(first, false.B, sawNan) || nan
    val anyPos = Mux(first, false.B, sawPos) || posInf
    val anyNeg = Mux(first, false.B, sawNeg) || negInf
    val result = Reg(new DotProductResult(accBits))
    when(valid) {
      acc := total
      sawNan := anyNan
      sawPos := anyPos
      sawNeg := anyNeg
      first := last
      when(last) {
        result.sum := total
        result.nan := anyNan || (anyPos && anyNeg)
        result.posInf := anyPos && !anyNeg && !anyNan
        result.negInf := anyNeg && !anyPos && !anyNan
      }
    }
    val out = Wire(Valid(new DotProductResult(accBits)))
    out.valid := RegNext(valid && last, false.B)
    out.bits := result
    out
  }
}
