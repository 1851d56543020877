// Block dot products of BFP and MX operands: exact block sums scaled by shared exponents into one exact accumulator.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * The shared scale of a block format, as its code: the block's value is the elements' times
 * `2^(code - bias)`. BFP's shared exponent uses every code; MX's E8M0 keeps its top code for NaN.
 */
final case class BlockScale(bits: Int, nanCode: Boolean) {
  require(bits >= 1 && bits <= 8, s"scale codes of 1 to 8 bits, got $bits")
  /** The largest code that scales (not NaN). */
  val maxCode: Int = (1 << bits) - 1 - (if (nanCode) 1 else 0)
}

object BlockScale {
  /** OCP MX's E8M0 scale: 2^(code - 127), code 255 NaN. */
  val E8M0: BlockScale = BlockScale(8, nanCode = true)

  /** A BFP shared exponent of `bits` bits. */
  def bfp(bits: Int): BlockScale = BlockScale(bits, nanCode = false)
}

/** One beat of a [[BlockDotProductUnit]]: a block of code pairs, each operand's scale code, and whether it is the dot product's last block. */
class BlockBeat(aFormat: CodeFormat, bFormat: CodeFormat, block: Int, scale: BlockScale) extends Bundle {
  val a = Vec(block, UInt(aFormat.bits.W))
  val b = Vec(block, UInt(bFormat.bits.W))
  val scaleA = UInt(scale.bits.W)
  val scaleB = UInt(scale.bits.W)
  val last = Bool()
}

/**
 * The dot product of two block-scaled vectors (BFP, MX) of up to `blocks` blocks of `block`
 * elements, exactly: each beat takes one block of code pairs and the two scale codes, forms the
 * block's exact sum of products on the elements' product grid ([[DotProductUnit.product]]),
 * shifts it left by the sum of the scale codes, and adds it to the accumulator. The result, one
 * cycle after the last block, is the dot product in units of `2^(lsbA + lsbB - biasA - biasB)`
 * (the element formats' grids and the scales' biases, which the caller knows), or its IEEE class:
 * an element NaN, infinity times zero, a NaN scale, or infinities of both signs make it NaN.
 *
 * Why `accBits` cannot overflow: every product p fits `P` = [[DotProductUnit.productBits]] signed
 * bits, `-2^(P-1) <= p < 2^(P-1)`, so a block's sum of `block` products lies in `[-block *
 * 2^(P-1), block * 2^(P-1))` and fits `B = P + ceil(log2(block))` signed bits. Shifting by at most
 * `2 * maxCode` keeps it within `B + 2 * maxCode` bits, and `blocks` such terms sum within `B + 2
 * * maxCode + ceil(log2(blocks))` bits by the same argument. For MX's E8M0 that is about 530 bits:
 * exact over the scales' whole range, where MX hardware usually rounds each block into fp32.
 */
class BlockDotProductUnit(val a: CodeFormat, val b: CodeFormat, val block: Int, val scale: BlockScale, val blocks: Int) extends Module {
  require(block >= 1 && blocks >= 1, s"blocks of at least one element, at least one block; got $block and $blocks")
  private val blockBits = DotProductUnit.productBits(a, b) + log2Ceil(block)
  val accBits: Int = BlockDotProductUnit.accumulatorBits(a, b, block, scale, blocks)

  val io = IO(new Bundle {
    val in = Flipped(Valid(new BlockBeat(a, b, block, scale)))
    val out = Valid(new DotProductResult(accBits))
  })

  private val products = (0 until block).map(i => DotProductUnit.product(a, b, io.in.bits.a(i), io.in.bits.b(i)))
  private val blockSum = products.map(_._1.pad(blockBits)).reduce(_ +% _)
  private val scaleNaN = if (scale.nanCode) io.in.bits.scaleA === (scale.maxCode + 1).U || io.in.bits.scaleB === (scale.maxCode + 1).U else false.B
  private val shifted = (blockSum.pad(accBits) << (io.in.bits.scaleA +& io.in.bits.scaleB))(accBits - 1, 0).asSInt

  io.out := DotProductUnit.accumulate(accBits, io.in.valid, io.in.bits.last, Mux(scaleNaN, 0.S, shifted), scaleNaN || products.map(_._2).reduce(_ || _), products.map(_._3).reduce(_ || _), products.map(_._4).reduce(_ || _))
}

object BlockDotProductUnit {

  /** The accumulator's width (see the class's proof). */
  def accumulatorBits(a: CodeFormat, b: CodeFormat, block: Int, scale: BlockScale, blocks: Int): Int =
    DotProductUnit.productBits(a, b) + log2Ceil(block) + 2 * scale.maxCode + log2Ceil(blocks)
}
