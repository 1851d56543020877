// Max pooling over a stream of ordered keys, windows that tile the image.
package org.qcc.hw

import chisel3._
import chisel3.util._

/** Max pooling of a `height` x `width` image of `channels` channels by `kernel` x `kernel` windows with stride `kernel` and no padding; rows and columns past the last whole window are dropped. */
final case class PoolWindow(height: Int, width: Int, channels: Int, kernel: Int) {
  require(kernel >= 1 && height >= kernel && width >= kernel && channels >= 1, s"a pool needs a kernel within the image: $this")
  def outH: Int = height / kernel
  def outW: Int = width / kernel
}

/**
 * Pools a pixel stream (row-major, each pixel's channels in `channels / pe` beats of `pe`
 * elements) into its pooled image in the same order. An element is an unsigned key that orders
 * the values (`keyBits` wide) with a NaN flag above it: a rank among the next format's codes, as
 * a [[ThresholdUnit]] emits it in rank mode, or an fp32 value's [[FloatKeys.order]] key.
 *
 * The golden model's MaxPool visits a window's elements in row-major order, which is the order
 * they stream in, and keeps the first element unless a later one is strictly greater, so a NaN
 * first element wins and a later NaN is ignored. Requantization is monotone, so pooling the
 * ranks of requantized values gives the rank of the pooled value. A row of partial maxima, one
 * per output column and channel, carries each window from its first element to its last, when
 * the result leaves.
 */
class MaxPoolUnit(val keyBits: Int, val pe: Int, val pool: PoolWindow) extends Module {
  require(pe >= 1 && pool.channels % pe == 0, s"PE $pe must divide the ${pool.channels} channels")

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, UInt((keyBits + 1).W))))
    val out = Decoupled(Vec(pe, UInt((keyBits + 1).W)))
  })

  private val k = pool.kernel
  private val beats = pool.channels / pe

  private val (beat, pixel) = WrapCounter(beats, io.in.fire)
  private val (x, rowDone) = WrapCounter(pool.width, pixel)
  private val (y, imageDone) = WrapCounter(pool.height, rowDone)
  // The position within the window (wx, wy) and the window's column (ox), restarted with each row
  // and each image; past the last whole window they run on unused.
  private val wx = RegInit(0.U(math.max(1, log2Ceil(k)).W))
  private val wy = RegInit(0.U(math.max(1, log2Ceil(k)).W))
  private val ox = RegInit(0.U(log2Ceil(pool.width + 1).W))
  when(pixel) {
    wx := Mux(wx === (k - 1).U, 0.U, wx + 1.U)
    ox := Mux(wx === (k - 1).U, ox + 1.U, ox)
  }
  when(rowDone) {
    wx := 0.U
    ox := 0.U
    wy := Mux(wy === (k - 1).U || imageDone, 0.U, wy + 1.U)
  }
  private val inside = x < (pool.outW * k).U && y < (pool.outH * k).U
  private val first = wx === 0.U && wy === 0.U
  private val closing = wx === (k - 1).U && wy === (k - 1).U

  private val partial = Mem(pool.outW * beats, Vec(pe, UInt((keyBits + 1).W)))
  private val slot = ox * beats.U +& beat
  private val before = partial(slot)
  private val nan = keyBits
  private val merged = VecInit((0 until pe).map { p =>
    val (old, now) = (before(p), io.in.bits(p))
    Mux(first || (!old(nan) && !now(nan) && now(keyBits - 1, 0) > old(keyBits - 1, 0)), now, old)
  })

  private val queue = Module(new Queue(Vec(pe, UInt((keyBits + 1).W)), 2))
  private val emits = inside && closing
  queue.io.enq.valid := io.in.valid && emits
  queue.io.enq.bits := merged
  io.in.ready := !emits || queue.io.enq.ready
  when(io.in.fire && inside && !closing) {
    partial.write(slot, merged)
  }
  io.out <> queue.io.deq
}
