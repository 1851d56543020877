// The sliding-window generator of a convolution: a pixel stream in, every output pixel's window out.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * A convolution's windows over a `height` x `width` image of `channels` channels: a `kernelH` x
 * `kernelW` kernel moved by the strides, the image padded with `padTop` rows above and `padLeft`
 * columns to the left (the padding below and to the right follows from the `outH` x `outW`
 * output), padded positions holding the code `padCode`.
 */
final case class ConvWindow(
    height: Int,
    width: Int,
    channels: Int,
    kernelH: Int,
    kernelW: Int,
    strideH: Int,
    strideW: Int,
    padTop: Int,
    padLeft: Int,
    outH: Int,
    outW: Int,
    padCode: Int) {
  require(height >= 1 && width >= 1 && channels >= 1 && kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1, s"a window needs positive sizes: $this")
  require(padTop >= 0 && padLeft >= 0 && outH >= 1 && outW >= 1, s"a window needs a nonnegative padding and an output: $this")
  require((outH - 1) * strideH - padTop < height && (outW - 1) * strideW - padLeft < width, s"the last window must start inside the padded image: $this")
}

/**
 * Streams an image in, pixel by pixel in row-major order with each pixel's channels in
 * `channels / simd` beats of `simd` codes, and streams out, for every output pixel in row-major
 * order, its window: rows, then columns of the kernel, then the channel beats, which is the
 * column order of a convolution's weights as the matrix-vector unit holds them. Padded positions
 * emit `padCode`.
 *
 * Rows live in a ring of `kernelH + strideH` row slots (the whole image when it is shorter). A row
 * is written into the next free slot as it streams in; an output row may start once every input
 * row its windows touch is complete, and the rows above its first window row are released
 * meanwhile, one per cycle, so the next rows stream in while the current output row is emitted. After an
 * image's last output row the rows no window uses are released too, and the next image begins.
 * Every input row is held at most `kernelH + strideH - 1` rows before release, so the ring never
 * blocks a row an output needs: the unit cannot deadlock.
 */
class SlidingWindowUnit(val bits: Int, val simd: Int, val window: ConvWindow) extends Module {
  require(simd >= 1 && window.channels % simd == 0, s"SIMD $simd must divide the ${window.channels} channels")
  require(window.padCode >= 0 && window.padCode < (1 << bits), s"the padding code must be a $bits-bit code")

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(simd, UInt(bits.W))))
    val out = Decoupled(Vec(simd, UInt(bits.W)))
  })

  private val w = window
  private val beats = w.channels / simd
  private val slots = math.min(w.height, w.kernelH + w.strideH)
  private val memory = Mem(slots * w.width * beats, Vec(simd, UInt(bits.W)))
  private def address(slot: UInt, col: UInt, beat: UInt): UInt = (slot * w.width.U +& col) * beats.U +& beat
  private def nextSlot(s: UInt): UInt = Mux(s === (slots - 1).U, 0.U, s + 1.U)

  // Input side: write the pixel stream into the slot after the held rows.
  private val held = RegInit(0.U(log2Ceil(slots + 1).W))
  private val writeSlot = RegInit(0.U(math.max(1, log2Ceil(slots)).W))
  io.in.ready := held < slots.U
  private val (inBeat, inPixel) = WrapCounter(beats, io.in.fire)
  private val (inCol, rowDone) = WrapCounter(w.width, inPixel)
  when(io.in.fire) {
    memory.write(address(writeSlot, inCol, inBeat), io.in.bits)
  }
  when(rowDone) {
    writeSlot := nextSlot(writeSlot)
  }

  // Output side. `top` and `left` are the current window's first row and column, in image
  // coordinates (negative in the padding); `baseRow` is the image row in slot `baseSlot`, the oldest
  // held; `draining` releases the rows after the image's last window.
  private val coord = log2Ceil(math.max(w.height, w.width) + math.max(w.kernelH, w.kernelW) + math.max(w.strideH, w.strideW) + math.max(w.padTop, w.padLeft) + 1) + 2
  private val top = RegInit((-w.padTop).S(coord.W))
  private val left = RegInit((-w.padLeft).S(coord.W))
  private val baseRow = RegInit(0.U(log2Ceil(w.height + 1).W))
  private val baseSlot = RegInit(0.U(math.max(1, log2Ceil(slots)).W))
  private val draining = RegInit(false.B)

  private val firstRow = Mux(top < 0.S, 0.S, top)
  private val needFrom = Mux(draining, w.height.U, firstRow.asUInt)
  private val release = baseRow < needFrom && held =/= 0.U
  private val lastRow = Mux(top + (w.kernelH - 1).S > (w.height - 1).S, (w.height - 1).S, top + (w.kernelH - 1).S)
  private val rowsHeld = held.zext
  // Rows above the window may still be held: they are released meanwhile, a row per cycle.
  private val ready = !draining && baseRow.zext <= firstRow && rowsHeld >= lastRow - baseRow.zext + 1.S

  // The window counters advance on the beats the output queue takes.
  private val queue = Module(new Queue(Vec(simd, UInt(bits.W)), 2))
  private val emit = ready && queue.io.enq.ready
  private val (beat, pixelStep) = WrapCounter(beats, emit)
  private val (kx, kernelRowStep) = WrapCounter(w.kernelW, pixelStep)
  private val (ky, windowDone) = WrapCounter(w.kernelH, kernelRowStep)
  private val (ox, outRowDone) = WrapCounter(w.outW, windowDone)
  private val (_, imageDone) = WrapCounter(w.outH, outRowDone)

  private val iy = top + ky.zext
  private val ix = left + kx.zext
  private val inside = iy >= 0.S && iy < w.height.S && ix >= 0.S && ix < w.width.S
  private val offset = (iy - baseRow.zext).asUInt(log2Ceil(slots + 1) - 1, 0)
  private val sum = baseSlot +& offset
  private val slot = Mux(sum >= slots.U, sum - slots.U, sum)
  private val read = memory(address(slot, ix.asUInt, beat))
  queue.io.enq.valid := ready
  queue.io.enq.bits := Mux(inside, read, VecInit(Seq.fill(simd)(w.padCode.U(bits.W))))
  io.out <> queue.io.deq
  when(windowDone) {
    left := left + w.strideW.S
  }
  when(outRowDone) {
    left := (-w.padLeft).S
    top := top + w.strideH.S
  }
  when(imageDone) {
    top := (-w.padTop).S
    draining := true.B
  }

  when(release) {
    baseRow := baseRow + 1.U
    baseSlot := nextSlot(baseSlot)
  }
  when(draining && baseRow === w.height.U) {
    draining := false.B
    baseRow := 0.U
  }
  held := held + rowDone.asUInt - release.asUInt
}
