// The matrix-vector unit of a layer: weights in ROM, folded over PE (outputs) and SIMD (inputs).
package org.qcc.hw

import chisel3._
import chisel3.util._
import chisel3.util.experimental.loadMemoryFromFileInline
import java.nio.file.{Files, Path}

/** N:M sparsity of a weight matrix: in every group of `m` columns of a row, `kept(row)(col)` marks the `n` kept weights. */
final case class NmSparsity(n: Int, m: Int, kept: Seq[Seq[Boolean]])

object NmSparsity {
  /** For Java: the mask as arrays. */
  def of(n: Int, m: Int, kept: Array[Array[Boolean]]): NmSparsity = NmSparsity(n, m, kept.map(_.toSeq).toSeq)
}

/**
 * Multiplies each input vector of `cols` activation codes by a constant `rows` x `cols` weight
 * matrix, as a streaming unit folded FINN-style: `pe` dot-product units each take `simd` code pairs
 * per cycle, so a vector arrives in `cols / simd` beats of `simd` codes, and the `rows / pe` neuron
 * folds each pass over it (the first straight from the stream when it keeps up, the rest from an
 * input buffer; a second buffer takes the next vector meanwhile). Every output beat carries the
 * `pe` exact sums of one neuron fold, rows `fold * pe` to `fold * pe + pe - 1`; `cycles per vector
 * = (rows / pe) * (cols / simd)` while the output is read.
 *
 * Weights sit in a constant ROM, or, given `memories` (the design's folder and a file-name prefix),
 * in one memory per PE initialized by `$readmemh` from a hex file the generator writes to its
 * `weights` subfolder (one line per (neuron fold, synapse fold), lane 0 in the low bits). The files
 * are named relative to the design's folder, so the design can move, and simulators and synthesis
 * run there; the initialization is guarded by `ENABLE_INITIAL_MEM_`, which they must define. The
 * memories read synchronously, so synthesis maps them to block RAM. Large layers need the
 * memories: a ROM of constants elaborates into multiplexers. Given `loadable`, the weights are
 * not in the design at all (the UP5K's single-port RAM cannot be initialized by the bitstream):
 * each PE's memory has one port, which a loader takes at start-up to write the bytes the `load`
 * port brings ([[WeightLines.loadBytes]]); `loaded` rises once they are in, and the unit folds
 * only from then on.
 *
 * With N:M `sparsity` each PE holds only the kept weights, with their positions in their group of
 * `m` inputs, and multiplexers pick the inputs they meet: `simd / m * n` multipliers where a dense
 * PE has `simd`, at the same cycles per vector. Pruned positions are never read, so their inputs
 * (NaN included) do not reach the sums, which is the golden model's sparse semantics.
 *
 * Given `beatShifts` (rows x synapse folds), each PE's memory line also holds the left shift of
 * that beat's sum of products: the weights are stored divided by the power of two their beat
 * shares ([[DotProductUnit]]). Block-scaled weights (BFP, MX) then keep narrow codes and one shift
 * per beat instead of codes as wide as their block scales' spread.
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
    val memories: Option[(Path, String)] = None,
    val sparsity: Option[NmSparsity] = None,
    val beatShifts: Option[Seq[Seq[Int]]] = None,
    val loadable: Boolean = false)
    extends Module {
  val rows: Int = weights.length
  val cols: Int = weights.headOption.map(_.length).getOrElse(0)
  require(rows >= 1 && cols >= 1 && weights.forall(_.length == cols), "the weights must be a nonempty rows x cols matrix")
  require(pe >= 1 && rows % pe == 0, s"PE $pe must divide the $rows rows")
  require(simd >= 1 && cols % simd == 0, s"SIMD $simd must divide the $cols columns")
  require(weights.flatten.forall(w => w >= 0 && w < (1 << b.bits)), s"weights must be ${b.bits}-bit codes")
  for (sp <- sparsity) {
    require(simd % sp.m == 0, s"with ${sp.n}:${sp.m} sparsity SIMD $simd must be a multiple of ${sp.m}")
    require(sp.kept.length == rows && sp.kept.forall(_.length == cols), "the kept mask must be rows x cols")
    require(sp.kept.forall(_.grouped(sp.m).forall(_.count(identity) == sp.n)), s"every group of ${sp.m} must keep exactly ${sp.n} weights")
  }

  private val neuronFolds = rows / pe
  private val synapseFolds = cols / simd
  require(!loadable || neuronFolds * synapseFolds > 1, "loaded weights need a memory of two lines or more")
  for (shifts <- beatShifts) {
    require(sparsity.isEmpty, "beat shifts are for dense weights")
    require(shifts.length == rows && shifts.forall(s => s.length == synapseFolds && s.forall(_ >= 0)), "beat shifts must be rows x synapse folds, none negative")
  }
  private val depth = 4

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(simd, UInt(a.bits.W))))
    val out = Decoupled(Vec(pe, new DotProductResult(accBits)))
    val load = if (loadable) Some(Flipped(Decoupled(UInt(8.W)))) else None
    val loaded = if (loadable) Some(Output(Bool())) else None
  })

  private val sfBits = math.max(1, log2Ceil(synapseFolds))
  private val sf = RegInit(0.U(sfBits.W))
  private val nf = RegInit(0.U(math.max(1, log2Ceil(neuronFolds)).W))
  private val queue = Module(new Queue(Vec(pe, new DotProductResult(accBits)), depth))
  private val inFlight = RegInit(false.B)

  // Two input buffers: the stream fills one while the neuron folds replay the other, so a unit
  // folding its outputs keeps taking the next vector instead of stalling the layer before it. They
  // share one memory read synchronously, so synthesis maps a long vector's buffers to block RAM.
  private val buffer = SyncReadMem(2 * synapseFolds, Vec(simd, UInt(a.bits.W)))
  private val full = RegInit(VecInit(Seq.fill(2)(false.B)))
  private val writeBank = RegInit(0.U(1.W))
  private val written = RegInit(0.U(log2Ceil(synapseFolds + 1).W))
  private val readBank = RegInit(0.U(1.W))
  private def bufferLine(bank: UInt, fold: UInt): UInt = (bank * synapseFolds.U +& fold)(log2Ceil(2 * synapseFolds) - 1, 0)

  io.in.ready := !full(writeBank)
  private val writeLine = bufferLine(writeBank, written)
  when(io.in.fire) {
    buffer.write(writeLine, io.in.bits)
    val complete = written === (synapseFolds - 1).U
    written := Mux(complete, 0.U, written + 1.U)
    when(complete) {
      full(writeBank) := true.B
      writeBank := ~writeBank
    }
  }

  // The beat the folds need next is stored, or (straight from the stream) arriving now.
  private val filling = writeBank === readBank && !full(readBank)
  private val stored = full(readBank) || (filling && written > sf)
  private val arriving = filling && written === sf && io.in.valid
  private val closing = sf === (synapseFolds - 1).U
  private val room = queue.io.count +& inFlight.asUInt < depth.U
  // Whether the weights are in (always, unless they are loaded).
  private val loaded = WireDefault(true.B)
  private val fire = loaded && (stored || arriving) && (!closing || room)
  private val done = closing && nf === (neuronFolds - 1).U
  private val sfNext = Mux(closing, 0.U, sf + 1.U)
  private val nfNext = Mux(done, 0.U, Mux(closing, nf + 1.U, nf))
  when(fire) {
    sf := sfNext
    nf := nfNext
    when(done) {
      full(readBank) := false.B
      readBank := ~readBank
    }
  }
  inFlight := fire && closing

  // Each cycle reads the buffer line the folds take next; a line written in the same cycle comes
  // from a register instead, since a synchronous read does not see a simultaneous write.
  private val readLine = Mux(fire, bufferLine(Mux(done, ~readBank, readBank), sfNext), bufferLine(readBank, sf))
  private val forward = RegNext(io.in.fire && writeLine === readLine, false.B)
  private val forwarded = RegNext(io.in.bits)
  private val chunk = Mux(stored, Mux(forward, forwarded, buffer.read(readLine)), io.in.bits)

  private val step = nf * synapseFolds.U +& sf
  // Weight memories read synchronously (block RAM): each cycle reads the line of the step the
  // folds take next, so it is there when they take it; during reset, the first step's.
  private val upcoming = Mux(reset.asBool, 0.U, Mux(fire, nfNext * synapseFolds.U +& sfNext, step))

  /** `v(i)` with `i` cut to the width `v`'s size needs (a lone element statically): indices stay in range by construction. */
  private def pick[T <: Data](v: Vec[T], i: UInt): T = if (v.length == 1) v(0) else v(i(log2Ceil(v.length) - 1, 0))
  private val lines = new WeightLines(b, weights, pe, simd, sparsity, beatShifts)
  private val lanes = lines.lanes
  private val positionBits = lines.positionBits
  private val lineBits = lines.lineBits

  // Loaded weights: the load port's bytes fill the memories one step's line at a time (every PE's
  // line together, PE 0 in the low bits, least significant byte first), steps in order; the unit
  // folds once the last line is in and the next cycle has read the first step's. The memories
  // have one port, which the loader takes while it writes: a single-port RAM (the UP5K's SPRAM).
  /** A loader's write this cycle: whether it writes, every PE's line, and where. */
  private case class LoadWrite(enable: Bool, word: UInt, line: UInt)
  private val loader: Option[LoadWrite] = io.load.map { load =>
    val line = RegInit(0.U(log2Ceil(lines.depth + 1).W))
    val partial = Reg(Vec(math.max(1, lines.wordBytes - 1), UInt(8.W)))
    val (byte, lastByte) = WrapCounter(lines.wordBytes, load.fire)
    load.ready := line =/= lines.depth.U
    when(load.fire && !lastByte) {
      pick(partial, byte) := load.bits
    }
    val write = load.fire && lastByte
    when(write) {
      line := line + 1.U
    }
    loaded := RegNext(!load.ready, false.B)
    // The last byte's bits above the lines are padding.
    LoadWrite(write, (if (lines.wordBytes == 1) load.bits else Cat(load.bits, partial.asUInt))(pe * lineBits - 1, 0), line)
  }
  io.loaded.foreach(_ := loaded)

  private val units = (0 until pe).map { p =>
    val unit = Module(new DotProductUnit(a, b, lanes, accBits, lines.shiftBits))
    def stepLines = for (nf <- 0 until neuronFolds; sf <- 0 until synapseFolds) yield lines.line(p, nf, sf)
    unit.io.in.valid := fire
    unit.io.in.bits.last := closing
    // A one-line memory has a zero-width address, which firtool 1.155 crashes on: that stays a ROM.
    val word = (loader, memories.filter(_ => lines.depth > 1)) match {
      case (Some(w), _) =>
        // The name marks the memory for synthesis: yosys maps it to SPRAM only when told to.
        val mem = SyncReadMem(lines.depth, UInt(lineBits.W)).suggestName("loadedWeights")
        val address = Mux(w.enable, w.line, upcoming)(log2Ceil(lines.depth) - 1, 0)
        mem.readWrite(address, w.word(p * lineBits + lineBits - 1, p * lineBits), true.B, w.enable)
      case (None, None) => pick(VecInit(stepLines.map(_.U(lineBits.W))), step)
      case (None, Some((dir, prefix))) =>
        val name = s"weights/${prefix}_pe$p.hex"
        val file = dir.resolve(name)
        Files.createDirectories(file.getParent)
        Files.write(file, stepLines.map(_.toString(16)).mkString("", "\n", "\n").getBytes)
        val mem = SyncReadMem(lines.depth, UInt(lineBits.W))
        loadMemoryFromFileInline(mem, name)
        mem.read(upcoming(log2Ceil(lines.depth) - 1, 0))
    }
    unit.io.in.bits.b := word(lanes * b.bits - 1, 0).asTypeOf(Vec(lanes, UInt(b.bits.W)))
    unit.io.in.bits.shift.foreach(_ := word(lanes * b.bits + lines.shiftBits - 1, lanes * b.bits))
    sparsity match {
      case None => unit.io.in.bits.a := chunk
      case Some(sp) =>
        val positions = word(lineBits - 1, lanes * b.bits).asTypeOf(Vec(lanes, UInt(positionBits.W)))
        for (lane <- 0 until lanes) {
          val group = lane / sp.n
          unit.io.in.bits.a(lane) := VecInit((0 until sp.m).map(k => chunk(group * sp.m + k)))(positions(lane))
        }
    }
    unit
  }
  queue.io.enq.valid := units.head.io.out.valid
  queue.io.enq.bits := VecInit(units.map(_.io.out.bits))
  io.out <> queue.io.deq
}

/**
 * The weight memory lines of a [[MatrixVectorUnit]]: per PE one line per step (neuron fold, synapse
 * fold), holding its lanes' weight codes, lane 0 in the low bits, then (N:M sparse) each lane's
 * position within its group of `m` inputs, or the beat's shift.
 */
final class WeightLines(b: CodeFormat, weights: Seq[Seq[Int]], pe: Int, simd: Int, sparsity: Option[NmSparsity], beatShifts: Option[Seq[Seq[Int]]]) {
  private val synapseFolds = weights.head.length / simd
  /** Lines per PE: one per step. */
  val depth: Int = weights.length / pe * synapseFolds
  /** Multipliers per PE: one per input of a beat, or with N:M sparsity one per kept weight. */
  val lanes: Int = sparsity.fold(simd)(sp => simd / sp.m * sp.n)
  val positionBits: Int = sparsity.fold(0)(sp => math.max(1, log2Ceil(sp.m)))
  val shiftBits: Int = beatShifts.fold(0)(s => log2Ceil(s.flatten.max + 1))
  val lineBits: Int = lanes * (b.bits + positionBits) + shiftBits
  /** Bytes of one step's lines of every PE, as the load port takes them. */
  val wordBytes: Int = (pe * lineBits + 7) / 8

  /** PE `p`'s line for (neuron fold `nf`, synapse fold `sf`). */
  def line(p: Int, nf: Int, sf: Int): BigInt = {
    val row = nf * pe + p
    val fields: Seq[(Int, Int)] = sparsity match {
      case None => (0 until simd).map(i => (weights(row)(sf * simd + i), 0))
      case Some(sp) =>
        (0 until simd / sp.m).flatMap { g =>
          (0 until sp.m).filter(k => sp.kept(row)(sf * simd + g * sp.m + k)).map(k => (weights(row)(sf * simd + g * sp.m + k), k))
        }
    }
    val shift = beatShifts.fold(0)(_(row)(sf))
    fields.zipWithIndex.map { case ((w, k), i) => (BigInt(w) << (i * b.bits)) + (BigInt(k) << (lanes * b.bits + i * positionBits)) }.sum + (BigInt(shift) << (lanes * b.bits))
  }

  /** The load port's bytes: each step's lines of every PE together, PE 0 in the low bits, least significant byte first. */
  def loadBytes: Array[Byte] = {
    val out = new Array[Byte](depth * wordBytes)
    for (step <- 0 until depth) {
      val word = (0 until pe).map(p => line(p, step / synapseFolds, step % synapseFolds) << (p * lineBits)).sum
      for (i <- 0 until wordBytes) {
        out(step * wordBytes + i) = (word >> (8 * i)).toByte
      }
    }
    out
  }
}
