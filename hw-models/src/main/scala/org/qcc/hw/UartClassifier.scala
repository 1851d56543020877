// A layer chain behind a serial port: a host sends an image's input codes and reads back its class.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * Receives 8N1 serial bytes, `divider` clock cycles per bit: the line passes two synchronizing
 * flip-flops, a falling edge starts a byte, and each bit is sampled in its middle. A byte whose
 * stop bit reads low (a framing error) is dropped; `out` is valid for one cycle per byte.
 */
class UartRx(val divider: Int) extends Module {
  require(divider >= 4, s"a bit must last at least 4 cycles, not $divider")
  val io = IO(new Bundle {
    val rx = Input(Bool())
    val out = Valid(UInt(8.W))
  })
  private val line = RegNext(RegNext(io.rx, true.B), true.B)
  private val busy = RegInit(false.B)
  private val countdown = RegInit(0.U(log2Ceil(divider).W))
  // Bit 0 is the start bit, 1 to 8 the data (least significant first), 9 the stop bit.
  private val bit = RegInit(0.U(4.W))
  private val shift = RegInit(0.U(8.W))
  io.out.valid := false.B
  io.out.bits := shift

  when(!busy) {
    when(!line) {
      busy := true.B
      bit := 0.U
      countdown := (divider / 2 - 1).U
    }
  }.elsewhen(countdown =/= 0.U) {
    countdown := countdown - 1.U
  }.otherwise {
    countdown := (divider - 1).U
    bit := bit + 1.U
    when(bit === 0.U) {
      // A start bit that is high again in its middle was a glitch.
      busy := !line
    }.elsewhen(bit <= 8.U) {
      shift := Cat(line, shift(7, 1))
    }.otherwise {
      busy := false.B
      io.out.valid := line
    }
  }
}

/** Sends each byte it takes as 8N1 serial, `divider` clock cycles per bit; the line idles high. */
class UartTx(val divider: Int) extends Module {
  require(divider >= 1)
  val io = IO(new Bundle {
    val in = Flipped(Decoupled(UInt(8.W)))
    val tx = Output(Bool())
  })
  // The frame still to send, least significant bit on the line: start, 8 data bits, stop.
  private val frame = RegInit(((1 << 10) - 1).U(10.W))
  private val left = RegInit(0.U(4.W))
  private val countdown = RegInit(0.U(log2Ceil(divider + 1).W))
  io.in.ready := left === 0.U
  io.tx := frame(0)
  when(io.in.fire) {
    frame := Cat(1.U(1.W), io.in.bits, 0.U(1.W))
    left := 10.U
    countdown := (divider - 1).U
  }.elsewhen(left =/= 0.U) {
    when(countdown === 0.U) {
      frame := Cat(1.U(1.W), frame(9, 1))
      left := left - 1.U
      countdown := (divider - 1).U
    }.otherwise {
      countdown := countdown - 1.U
    }
  }
}

/**
 * The index of the greatest of `channels` fp32 values that arrive `pe` per beat, channel `fold *
 * pe + p` in lane p: the first of equals, NaN never chosen, -0 below +0 (Java's `Float.compare`
 * order); 255 when every value is NaN. One index leaves per `channels` values.
 */
class ArgmaxUnit(val pe: Int, val channels: Int) extends Module {
  require(pe >= 1 && channels % pe == 0 && channels <= 255, s"PE $pe must divide the $channels channels (at most 255)")
  private val f = IeeeFormat.Fp32
  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(pe, UInt(32.W))))
    val out = Decoupled(UInt(8.W))
  })
  private val (fold, lastBeat) = WrapCounter(channels / pe, io.in.fire)
  private val found = RegInit(false.B)
  private val bestKey = RegInit(0.U(32.W))
  private val bestIndex = RegInit(0.U(8.W))
  private val result = RegInit(0.U(8.W))
  private val full = RegInit(false.B)

  // Each lane in turn against the best so far: from nothing at the first beat of an image.
  private val (empty, key, index) = io.in.bits.zipWithIndex.foldLeft((fold === 0.U || !found, bestKey, bestIndex)) { case ((none, k, i), (v, p)) =>
    val candidate = FloatKeys.order(v, f)
    val take = !FloatKeys.isNaN(v, f) && (none || candidate > k)
    (none && !take, Mux(take, candidate, k), Mux(take, fold * pe.U + p.U, i))
  }

  io.in.ready := !full
  io.out.valid := full
  io.out.bits := result
  when(io.in.fire) {
    found := !empty
    bestKey := key
    bestIndex := index
    when(lastBeat) {
      full := true.B
      result := Mux(empty, 255.U, index)
    }
  }
  when(io.out.fire) {
    full := false.B
  }
}

/** The last layer's outputs as the golden model computes them: fp32 `fma(S, m[c], bias[c])` per channel, then ReLU given `relu`. */
final class LogitArithmetic(val multipliers: Array[Int], val biases: Array[Int], val relu: Boolean)

/**
 * A [[LayerChain]] that a host drives over a serial line, `divider` clock cycles per bit (8N1):
 * it sends an image's input codes, one byte each in the stream's order (the code in the low bits),
 * and reads back one byte, the class: the index of the greatest output (see [[ArgmaxUnit]]), with
 * bit 7 set when a byte arrived while the chain could not take it (the class is then not to be
 * trusted); 127 means every output was NaN. The host sends an image after the previous one's
 * class came back; a few beats wait in a queue, but the chain must keep up with the line while it
 * takes an image. A chain with loaded weights takes the first bytes after reset as its load
 * stream ([[LayerChain.loadBytes]]), and images after them.
 */
class UartClassifier(val layers: Seq[ChainLayer], val memories: Option[java.nio.file.Path], val logits: LogitArithmetic, val divider: Int) extends Module {
  private val first = layers.head
  private val last = layers.last
  require(first.a.bits <= 8, s"input codes of ${first.a.bits} bits do not fit a byte")
  require(last.window == null, "the last layer must emit one vector per image")
  require(last.weights.length <= 127, s"${last.weights.length} classes do not fit 7 bits")

  val io = IO(new Bundle {
    val rx = Input(Bool())
    val tx = Output(Bool())
  })
  private val rx = Module(new UartRx(divider))
  rx.io.rx := io.rx

  private val chain = Module(new LayerChain(layers, memories))
  private val loading = chain.io.load.fold(false.B)(_.ready)
  for (load <- chain.io.load) {
    load.valid := rx.io.out.valid
    load.bits := rx.io.out.bits
  }
  private val imageByte = rx.io.out.valid && !loading

  // Bytes become beats of `simd` codes, which queue for the chain.
  private val (lane, beatDone) = WrapCounter(first.simd, imageByte)
  private val codes = Reg(Vec(first.simd, UInt(first.a.bits.W)))
  private val beats = Module(new Queue(Vec(first.simd, UInt(first.a.bits.W)), 4))
  private val code = rx.io.out.bits(first.a.bits - 1, 0)
  if (first.simd > 1) {
    when(imageByte) {
      codes(lane(log2Ceil(first.simd) - 1, 0)) := code
    }
  }
  beats.io.enq.valid := beatDone
  beats.io.enq.bits := VecInit(codes.init :+ code)
  private val overrun = RegInit(false.B)

  chain.io.in <> beats.io.deq
  private val outputs = Module(new FloatRequantUnit(last.accBits, last.pe, logits.multipliers.toSeq, logits.biases.toSeq, logits.relu, pipelined = true))
  outputs.io.in <> chain.io.out
  private val argmax = Module(new ArgmaxUnit(last.pe, last.weights.length))
  argmax.io.in <> outputs.io.out

  private val tx = Module(new UartTx(divider))
  tx.io.in.valid := argmax.io.out.valid
  tx.io.in.bits := Cat(overrun, argmax.io.out.bits(6, 0))
  argmax.io.out.ready := tx.io.in.ready
  io.tx := tx.io.tx
  when(tx.io.in.fire) {
    overrun := false.B
  }
  when(beatDone && !beats.io.enq.ready) {
    overrun := true.B
  }
}
