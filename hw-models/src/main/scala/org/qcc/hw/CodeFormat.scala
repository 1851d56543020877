// How a code of a number format reads in hardware: a signed significand shifted on the format's integer grid.
package org.qcc.hw

import chisel3._

/**
 * A number format as the multipliers see its codes. Every finite value is an integer multiple of
 * the format's finest step (1 for integers, the smallest subnormal step for minifloats), and that
 * integer is `significand << shift`; specials (infinities, NaN) are flagged beside it.
 */
sealed trait CodeFormat {

  /** Bits per code. */
  def bits: Int

  /** Width of the signed significand, sign included. */
  def significandBits: Int

  /** The largest left shift of a significand (0 for integers). */
  def maxShift: Int

  /** The code's meaning, as combinational logic. */
  def decode(code: UInt): Decoded
}

/** A decoded code: `value << shift` on the grid unless `nan` or `inf` (whose sign is `negative`). */
class Decoded(val format: CodeFormat) extends Bundle {
  val value = SInt(format.significandBits.W)
  val shift = UInt(math.max(1, chisel3.util.log2Ceil(format.maxShift + 1)).W)
  val negative = Bool()
  val zero = Bool()
  val inf = Bool()
  val nan = Bool()
}

/** Two's-complement (signed) or plain binary integers of `bits` bits; narrow ranges use the same codes. */
final case class IntCodes(bits: Int, signed: Boolean) extends CodeFormat {
  require(bits >= 1 && bits <= 16, s"integer codes of 1 to 16 bits, got $bits")

  override def significandBits: Int = if (signed) bits else bits + 1

  override def maxShift: Int = 0

  override def decode(code: UInt): Decoded = {
    val d = Wire(new Decoded(this))
    d.value := (if (signed) code.asSInt.pad(significandBits) else code.pad(bits).zext)
    d.shift := 0.U
    d.negative := (if (signed) code(bits - 1) else false.B)
    d.zero := code === 0.U
    d.inf := false.B
    d.nan := false.B
    d
  }
}

/** One bit per value: code 1 is +1, code 0 is -1 (binarized networks). There is no zero code. */
case object BipolarCodes extends CodeFormat {
  override def bits: Int = 1

  override def significandBits: Int = 2

  override def maxShift: Int = 0

  override def decode(code: UInt): Decoded = {
    val d = Wire(new Decoded(this))
    d.value := Mux(code(0), 1.S(2.W), -1.S(2.W))
    d.shift := 0.U
    d.negative := !code(0)
    d.zero := false.B
    d.inf := false.B
    d.nan := false.B
    d
  }
}

/**
 * Minifloats `[sign] exponent mantissa` with any bias: a field of 0 is subnormal (or zero without
 * subnormals); `specials` is the formats library's policy: "ieee" (top field: infinities and NaN),
 * "fn" (only all-ones exponent and mantissa is NaN), "fnuz" (the negative-zero code is the NaN),
 * "none". A normal value is `(2^man + m) << (field - 1)` grid steps, a subnormal `m`.
 */
final case class MinifloatCodes(expBits: Int, manBits: Int, signed: Boolean, subnormals: Boolean, specials: String) extends CodeFormat {
  require(expBits >= 1 && manBits >= 0 && bits <= 16, s"minifloats of at most 16 bits, got e${expBits}m$manBits")
  require(Set("ieee", "fn", "fnuz", "none").contains(specials), s"unknown special-value policy $specials")

  override def bits: Int = (if (signed) 1 else 0) + expBits + manBits

  override def significandBits: Int = manBits + 2

  override def maxShift: Int = (1 << expBits) - 2

  override def decode(code: UInt): Decoded = {
    val d = Wire(new Decoded(this))
    val man = if (manBits == 0) 0.U(1.W) else code(manBits - 1, 0)
    val field = code(manBits + expBits - 1, manBits)
    val negative = if (signed) code(bits - 1) else false.B
    val top = field.andR
    val normal = field =/= 0.U
    val magnitude =
      if (manBits == 0) Mux(normal, 1.U, 0.U)
      else Mux(normal, 1.U(1.W) ## man, if (subnormals) man.pad(manBits + 1) else 0.U((manBits + 1).W))
    val nan = specials match {
      case "ieee" => top && man =/= 0.U
      case "fn"   => top && man.andR
      case "fnuz" => negative && field === 0.U && man === 0.U
      case _      => false.B
    }
    val inf = if (specials == "ieee") top && man === 0.U else false.B
    val signedValue = Mux(negative, -(magnitude.zext), magnitude.zext)
    d.value := signedValue.pad(significandBits)
    d.shift := Mux(normal, field - 1.U, 0.U)
    d.negative := negative
    d.zero := magnitude === 0.U && !nan && !inf
    d.inf := inf
    d.nan := nan
    d
  }
}
