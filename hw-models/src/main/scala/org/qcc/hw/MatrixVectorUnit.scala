// The matrix-vector unit of a layer: weights in ROM, folded over PE (outputs) and SIMD (inputs).
package org.qcc.hw

import chisel3._
import chisel3.util._
import chisel3.util.experimental.loadMemoryFromFileInline
import java.nio.file.{Files, Path}

/**
 * Multiplies each input vector of `cols` activation codes by a constant `rows` x `cols` weight
 * matrix, as a streaming unit folded FINN-style: `pe` dot-product units each take `simd` code pairs
 * per cycle, so a vector arrives in `cols / simd` beats of `simd` codes, and the `rows / pe` neuron
 * folds each pass over it (the first straight from the stream, the rest from an input buffer).
 * Every output beat carries the `pe` exact sums of one neuron fold, rows `fold * pe` to `fold * pe +
 * pe - 1`; `cycles per vector = (rows / pe) * (cols / simd)` while the output is read.
 *
 * Weights sit in a constant ROM, or, given `memories` (a folder and a file-name prefix), in one
 * memory per PE initialized by `$readmemh` from a hex file the generator writes there (one line per
 * (neuron fold, synapse fold), lane 0 in the low bits); the initialization is guarded by
 * `ENABLE_INITIAL_MEM_`, which simulators and synthesis must define. Large layers need the
 * memories: a ROM of constants elaborates into multiplexers.
 *
 * The results go through a queue whose free places are counted with those still in the units, so
 * a beat that closes a dot product starts only when its results have a place: back-pressure
 * stalls the unit, never drops a result.
 */
class MatrixVectorUnit(
    val a: CodeFormat,
    val b: CodeFormat,
    val weights: Seq[Seq[Int]],
    val pe: Int,
    val simd: Int,
    val accBits: Int,
    val memories: Option[(Path, String)] = None)
    extends Module {
  val rows: Int = weights.length
  val cols: Int = weights.headOption.map(_.length).getOrElse(0)
  require(rows >= 1 && cols >= 1 && weights.forall(_.length == cols), "the weights must be a nonempty rows x cols matrix")
  require(pe >= 1 && rows % pe == 0, s"PE $pe must divide the $rows rows")
  require(simd >= 1 && cols % simd == 0, s"SIMD $simd must divide the $cols columns")
  require(weights.flatten.forall(w => w >= 0 && w < (1 << b.bits)), s"weights must be ${b.bits}-bit codes")

  private val neuronFolds = rows / pe
  private val synapseFolds = cols / simd
  private val depth = 4

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(simd, UInt(a.bits.W))))
    val out = Decoupled(Vec(pe, new DotProductResult(accBits)))
  })

  private val sf = RegInit(0.U(math.max(1, log2Ceil(synapseFolds)).W))
  private val nf = RegInit(0.U(math.max(1, log2Ceil(neuronFolds)).W))
  private val buffer = Reg(Vec(synapseFolds, Vec(simd, UInt(a.bits.W))))
  private val queue = Module(new Queue(Vec(pe, new DotProductResult(accBits)), depth))
  private val inFlight = RegInit(false.B)

  private val fromStream = nf === 0.U
  private val closing = sf === (synapseFolds - 1).U
  private val room = queue.io.count +& inFlight.asUInt < depth.U
  private val fire = (!fromStream || io.in.valid) && (!closing || room)
  io.in.ready := fromStream && (!closing || room)

  private val chunk = Mux(fromStream, io.in.bits, pick(buffer, sf))
  when(fire && fromStream) {
    if (synapseFolds == 1) buffer(0) := io.in.bits else buffer(sf) := io.in.bits
  }
  when(fire) {
    sf := Mux(closing, 0.U, sf + 1.U)
    when(closing) {
      nf := Mux(nf === (neuronFolds - 1).U, 0.U, nf + 1.U)
    }
  }
  inFlight := fire && closing

  private val step = nf * synapseFolds.U +& sf

  /** `v(i)` with `i` cut to the width `v`'s size needs (a lone element statically): indices stay in range by construction. */
  private def pick[T <: Data](v: Vec[T], i: UInt): T = if (v.length == 1) v(0) else v(i(log2Ceil(v.length) - 1, 0))
  private val units = (0 until pe).map { p =>
    val unit = Module(new DotProductUnit(a, b, simd, accBits))
    // PE p's weights: for each (neuron fold, synapse fold), its simd codes.
    val lines = for (n <- 0 until neuronFolds; s <- 0 until synapseFolds) yield (0 until simd).map(i => weights(n * pe + p)(s * simd + i))
    unit.io.in.valid := fire
    unit.io.in.bits.last := closing
    unit.io.in.bits.a := chunk
    // A one-line memory has a zero-width address, which firtool 1.155 crashes on: that stays a ROM.
    unit.io.in.bits.b := (memories.filter(_ => lines.length > 1) match {
      case None => pick(VecInit(lines.map(l => VecInit(l.map(_.U(b.bits.W))))), step)
      case Some((dir, prefix)) =>
        val file = dir.resolve(s"${prefix}_pe$p.hex")
        Files.createDirectories(dir)
        Files.write(file, lines.map(l => l.zipWithIndex.map { case (w, i) => BigInt(w) << (i * b.bits) }.sum.toString(16)).mkString("", "\n", "\n").getBytes)
        val mem = Mem(lines.length, UInt((simd * b.bits).W))
        loadMemoryFromFileInline(mem, file.toAbsolutePath.toString)
        mem(step(log2Ceil(lines.length) - 1, 0)).asTypeOf(Vec(simd, UInt(b.bits.W)))
    })
    unit
  }
  queue.io.enq.valid := units.head.io.out.valid
  queue.io.enq.bits := VecInit(units.map(_.io.out.bits))
  io.out <> queue.io.deq
}
