// Requantization between layers: exact sums to the next layer's codes by comparisons with thresholds.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * How one output channel maps an exact sum S to a code. The golden model's requantization (round
 * S to fp32, the channel's multiply-add, ReLU, the next quantizer) is monotone in S, so it is the
 * rank `base + #{k : u >= thresholds(k)}` in the next format's codes ordered by value, where `u`
 * is S, or -S for a channel whose multiplier is negative (`descending`). A sum whose dot product
 * met NaN or infinities takes the code the golden model gives that special.
 */
final case class ChannelThresholds(descending: Boolean, base: Int, thresholds: Seq[BigInt], nanCode: Int, posInfCode: Int, negInfCode: Int) {
  require(thresholds.zip(thresholds.drop(1)).forall { case (x, y) => x <= y }, "thresholds must be in increasing order")
}

object ChannelThresholds {

  /** From Java: thresholds as `java.math.BigInteger`s. */
  def of(descending: Boolean, base: Int, thresholds: Array[java.math.BigInteger], nanCode: Int, posInfCode: Int, negInfCode: Int): ChannelThresholds =
    ChannelThresholds(descending, base, thresholds.toSeq.map(BigInt(_)), nanCode, posInfCode, negInfCode)
}

/**
 * Turns each beat of `pe` dot-product results (output channels `fold * pe` to `fold * pe + pe - 1`
 * of a matrix-vector unit) into `pe` codes of `outBits` bits. Each PE counts the thresholds of its
 * channel at or below its sum by binary search: the thresholds are sorted and padded to `2^L - 1`
 * with a value above every sum, so `L` comparisons, each with the threshold the decisions so far
 * select from a ROM, find the count, where comparing with all of them would take `2^L - 1`
 * comparators. `codes(rank)` turns the rank into the code. In rank mode (`ranks`, for a pool that
 * follows) it emits the rank itself, [[ThresholdUnit.rankBits]] wide, with a NaN flag above it for
 * a NaN sum. With two comparisons or more the search is registered halfway (a slow FPGA clock
 * would not fit all of them in one cycle), and the unit stalls while its output waits; with one,
 * ready/valid pass straight through.
 */
class ThresholdUnit(val accBits: Int, val outBits: Int, val pe: Int, val channels: Seq[ChannelThresholds], val codes: Seq[Int], val ranks: Boolean = false) extends Module {
  require(pe >= 1 && channels.nonEmpty && channels.length % pe == 0, s"PE $pe must divide the ${channels.length} channels")
  require(codes.forall(c => c >= 0 && c < (1 << outBits)), s"codes must be $outBits-bit")
  private val width = accBits + 2
  private val top = BigInt(1) << accBits
  require(channels.forall(_.thresholds.forall(t => t.abs <= top)), s"thresholds must lie within the $accBits-bit accumulator's range")
  require(channels.forall(c => c.base >= 0 && c.base + c.thresholds.length < codes.length), "every rank must name a code")
  require(!ranks || channels.forall(c => codes.contains(c.posInfCode) && codes.contains(c.negInfCode)), "in rank mode infinite sums must requantize to ranked codes")
  private val rankBits = ThresholdUnit.rankBits(codes.length)
  val outWidth: Int = if (ranks) rankBits + 1 else outBits

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, new DotProductResult(accBits))))
    val out = Decoupled(Vec(pe, UInt(outWidth.W)))
  })

  private val folds = channels.length / pe
  private val levels = log2Ceil(channels.map(_.thresholds.length).max + 1)
  private val fold = RegInit(0.U(math.max(1, log2Ceil(folds)).W))
  when(io.in.fire) {
    fold := Mux(fold === (folds - 1).U, 0.U, fold + 1.U)
  }
  // The comparison before which the search is registered.
  private val latency = ThresholdUnit.searchRegisters(channels.map(_.thresholds.length).max)
  private val cutLevel = if (latency > 0) levels / 2 else levels
  private val (advance, valid) = StallingPipeline(latency, io.in.valid, io.out.ready)
  io.in.ready := advance
  io.out.valid := valid
  private def later[T <: Data](x: T): T = if (latency == 0) x else RegEnable(x, advance)
  private val foldLater = later(fold)

  private val codeRom = VecInit(codes.map(_.U(outBits.W)))
  for (p <- 0 until pe) {
    val mine = (0 until folds).map(f => channels(f * pe + p))
    def romAt[T <: Data](at: UInt, values: Seq[T]): T = if (folds == 1) values.head else VecInit(values)(at)
    def rom[T <: Data](values: Seq[T]): T = romAt(foldLater, values)
    val (nan, posInf, negInf) = (later(io.in.bits(p).nan), later(io.in.bits(p).posInf), later(io.in.bits(p).negInf))
    val s = io.in.bits(p).sum.pad(width)
    var u = Mux(romAt(fold, mine.map(_.descending.B)), -s, s)
    val padded = mine.map(c => c.thresholds ++ Seq.fill((1 << levels) - 1 - c.thresholds.length)(top + 1))
    var above = 0.U(math.max(1, levels).W)
    for (j <- 0 until levels) {
      if (j == cutLevel) {
        u = later(u)
        above = later(above)
      }
      val at = if (j >= cutLevel) foldLater else fold
      val half = 1 << (levels - 1 - j)
      val candidates = for (f <- 0 until folds; q <- 0 until (1 << j)) yield padded(f)(q * 2 * half + half - 1).S(width.W)
      val prefix = if (j == 0) None else Some(above(levels - 1, levels - j))
      val index = (prefix, folds) match {
        case (None, 1) => None
        case (None, _) => Some(at)
        case (Some(q), 1) => Some(q)
        case (Some(q), _) => Some(Cat(at, q))
      }
      val t = index.fold(candidates.head)(i => VecInit(candidates)(i))
      above = Mux(u >= t, above | half.U, above)
    }
    val rank = (rom(mine.map(_.base.U(rankBits.W))) +& above)(rankBits - 1, 0)
    io.out.bits(p) := (if (ranks) {
      def ranked(code: ChannelThresholds => Int) = rom(mine.map(c => codes.indexOf(code(c)).U(outWidth.W)))
      MuxCase(rank, Seq(nan -> (1 << rankBits).U, posInf -> ranked(_.posInfCode), negInf -> ranked(_.negInfCode)))
    } else {
      MuxCase(codeRom(rank), Seq(nan -> rom(mine.map(_.nanCode.U(outBits.W))), posInf -> rom(mine.map(_.posInfCode.U(outBits.W))), negInf -> rom(mine.map(_.negInfCode.U(outBits.W)))))
    })
  }
}

object ThresholdUnit {

  /**
   * Register stages in the search over at most `thresholds` thresholds per channel: one halfway
   * from two comparisons on, none for one. The cycle-level model takes its schedule from here.
   */
  def searchRegisters(thresholds: Int): Int = if (log2Ceil(thresholds + 1) >= 2) 1 else 0

  /** The width of a rank among `codes` codes. */
  def rankBits(codes: Int): Int = math.max(1, log2Ceil(codes))

  /** The code of a rank-mode element (a rank with a NaN flag above it): `codes(rank)`, or `nanCode`. */
  def code(element: UInt, codes: Seq[Int], nanCode: Int, outBits: Int): UInt = {
    val bits = rankBits(codes.length)
    val rom = VecInit(codes.map(_.U(outBits.W)) ++ Seq.fill((1 << bits) - codes.length)(0.U(outBits.W)))
    Mux(element(bits), nanCode.U(outBits.W), rom(element(bits - 1, 0)))
  }
}
