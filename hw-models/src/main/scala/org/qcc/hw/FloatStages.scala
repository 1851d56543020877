// The stream stages that carry a layer's outputs as fp32 values, where the golden model's float arithmetic cannot be folded into thresholds.
package org.qcc.hw

import chisel3._
import chisel3.util._

/** Keys of packed IEEE numbers that order them as integers. */
object FloatKeys {

  def isNaN(bits: UInt, f: IeeeFormat): Bool = FloatAdd.Classes(bits, f).nan

  /** An unsigned key in the numbers' order (-0 just below +0; NaN above +infinity): negatives inverted, the sign bit of the rest set. */
  def order(bits: UInt, f: IeeeFormat): UInt = Mux(bits(f.width - 1), ~bits, bits | (BigInt(1) << (f.width - 1)).U)

  /** The number an [[order]] key stands for. */
  def fromOrder(key: UInt, f: IeeeFormat): UInt = Mux(key(f.width - 1), key & ((BigInt(1) << (f.width - 1)) - 1).U, ~key)

  /** A signed key in the numbers' order: the magnitude bits, or for a negative number their complement (so -0 is -1, just below +0). */
  def signed(bits: UInt, f: IeeeFormat): SInt = {
    val magnitude = bits(f.width - 2, 0).zext
    Mux(bits(f.width - 1), (-1).S - magnitude, magnitude).pad(f.width)
  }

  /** A number as the threshold unit takes it: its [[signed]] key, and NaN flagged (infinities are keys like any other). */
  def asSum(bits: UInt, f: IeeeFormat): DotProductResult = {
    val r = Wire(new DotProductResult(f.width))
    r.sum := signed(bits, f)
    r.nan := isNaN(bits, f)
    r.posInf := false.B
    r.negInf := false.B
    r
  }
}

/**
 * Turns each beat of `pe` exact sums (output channels `fold * pe` on, as a [[MatrixVectorUnit]]
 * emits them) into the layer's fp32 outputs as the golden model computes them: `fma(S, m[c],
 * bias[c])` with one rounding ([[IntFma]]), then, given `relu`, ReLU (NaN stays, -0 becomes +0).
 * `multipliers` and `biases` are fp32 bit patterns per channel, finite and `m` nonzero. A NaN sum
 * gives NaN and an infinite one the infinity of its sign times m's. Ready/valid pass through, or
 * with `pipelined` the beats take a pipeline of registers (inputs, then the [[IntFma]]'s stages)
 * that stalls as a whole while the output waits, so paths stay short enough for a slow FPGA clock.
 */
class FloatRequantUnit(val accBits: Int, val pe: Int, val multipliers: Seq[Int], val biases: Seq[Int], val relu: Boolean, val pipelined: Boolean = false) extends Module {
  require(pe >= 1 && multipliers.nonEmpty && multipliers.length % pe == 0 && biases.length == multipliers.length, s"PE $pe must divide the ${multipliers.length} channels, one bias each")
  require(multipliers.forall(m => (m & 0x7fffffff) != 0 && (m & 0x7f800000) != 0x7f800000), "multipliers must be finite and nonzero")
  private val f = IeeeFormat.Fp32

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, new DotProductResult(accBits))))
    val out = Decoupled(Vec(pe, UInt(32.W)))
  })
  private val folds = multipliers.length / pe
  private val (fold, _) = WrapCounter(folds, io.in.fire)
  private val latency = if (pipelined) 1 + IntFma.cycles(accBits, pipelined) else 0
  private val (advance, valid) = StallingPipeline(latency, io.in.valid, io.out.ready)
  io.in.ready := advance
  io.out.valid := valid
  private def delay[T <: Data](x: T, n: Int): T = if (n == 0) x else ShiftRegister(x, n, advance)

  for (p <- 0 until pe) {
    def rom(values: Seq[Int]): UInt = {
      val mine = (0 until folds).map(i => (values(i * pe + p).toLong & 0xffffffffL).U(32.W))
      if (folds == 1) mine.head else VecInit(mine)(fold)
    }
    val entry = if (pipelined) 1 else 0
    val m = delay(rom(multipliers), entry)
    val fma = Module(new IntFma(accBits, pipelined))
    fma.io.advance.foreach(_ := advance)
    val r = delay(io.in.bits(p), entry)
    fma.io.sum := r.sum
    fma.io.multiplier := m
    fma.io.bias := delay(rom(biases), entry)
    val negative = delay(r.negInf =/= m(31), fma.latency)
    val nan = delay(r.nan, fma.latency)
    val infinite = delay(r.posInf || r.negInf, fma.latency)
    val y = MuxCase(fma.io.out, Seq(nan -> FloatAdd.quietNaN(f), infinite -> FloatAdd.infinity(f, negative)))
    io.out.bits(p) := (if (relu) FloatStages.relu(y) else y)
  }
}

/**
 * The golden model's GlobalAveragePool sum: for each channel, its fp32 values over the image's
 * `pixels` pixels (row-major, as they stream) added in turn into an fp64 sum from +0, each add
 * rounded ([[FloatAdd]]); after the last pixel the beat of `pe` fp64 sums leaves. The division
 * by the pixel count is monotone, so it is left to the thresholds that follow.
 */
class GlobalPoolUnit(val pe: Int, val channels: Int, val pixels: Int) extends Module {
  require(pe >= 1 && channels % pe == 0 && pixels >= 1, s"PE $pe must divide the $channels channels")
  private val f32 = IeeeFormat.Fp32
  private val f64 = IeeeFormat.Fp64

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, UInt(32.W))))
    val out = Decoupled(Vec(pe, UInt(64.W)))
  })
  private val beats = channels / pe
  private val (beat, pixelDone) = WrapCounter(beats, io.in.fire)
  private val (pixel, _) = WrapCounter(pixels, pixelDone)
  private val lastPixel = pixel === (pixels - 1).U
  private val sums = Mem(beats, Vec(pe, UInt(64.W)))
  private val before = sums(beat)
  private val added = VecInit((0 until pe).map { p =>
    val add = Module(new FloatAdd(f64, f32, f64))
    add.io.a := Mux(pixel === 0.U, 0.U, before(p))
    add.io.b := io.in.bits(p)
    add.io.sum
  })
  private val queue = Module(new Queue(Vec(pe, UInt(64.W)), 2))
  queue.io.enq.valid := io.in.valid && lastPixel
  queue.io.enq.bits := added
  io.in.ready := !lastPixel || queue.io.enq.ready
  when(io.in.fire && !lastPixel) {
    sums.write(beat, added)
  }
  io.out <> queue.io.deq
}

/**
 * A residual connection's join: each beat of this layer's fp32 outputs plus the matching beat of
 * the earlier layer's (`skip`), each pair added in fp32 as the golden model's Add ([[FloatAdd]]),
 * then, given `relu`, ReLU. A beat leaves when both have arrived.
 */
class ResidualAddUnit(val pe: Int, val relu: Boolean) extends Module {
  private val f = IeeeFormat.Fp32
  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, UInt(32.W))))
    val skip = Flipped(Decoupled(Vec(pe, UInt(32.W))))
    val out = Decoupled(Vec(pe, UInt(32.W)))
  })
  io.out.valid := io.in.valid && io.skip.valid
  io.in.ready := io.out.ready && io.skip.valid
  io.skip.ready := io.out.ready && io.in.valid
  for (p <- 0 until pe) {
    val add = Module(new FloatAdd(f, f, f))
    add.io.a := io.skip.bits(p)
    add.io.b := io.in.bits(p)
    io.out.bits(p) := (if (relu) FloatStages.relu(add.io.sum) else add.io.sum)
  }
}

object FloatStages {

  /** The golden model's fp32 ReLU: NaN stays, -0 and negatives become +0. */
  def relu(bits: UInt): UInt = Mux(bits(31) && !FloatKeys.isNaN(bits, IeeeFormat.Fp32), 0.U, bits)
}
