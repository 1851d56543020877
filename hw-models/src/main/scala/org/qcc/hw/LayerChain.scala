// A dataflow accelerator for a chain of convolutions and fully-connected layers: matrix-vector and threshold units in a row.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * A layer whose outputs travel as fp32 values before its thresholds, where the golden model's
 * float arithmetic is not monotone in one sum: the values are `fma(S, m[c], bias[c])` (fp32 bit
 * patterns per channel) with ReLU given `relu` ([[FloatRequantUnit]]); then, given `residualFrom`
 * (a layer index, else -1), plus the values that earlier layer forks off ([[ResidualAddUnit]]),
 * with ReLU given `reluAfterAdd`;
 * max-pooled when the layer has a pool; forked off to a later layer's residual add given `fork`,
 * through a queue of `forkDepth` beats; and, given `globalPixels` above 0, summed over that many
 * pixels in fp64 ([[GlobalPoolUnit]]). The thresholds then take the fp32 values' keys, or the fp64
 * sums' ([[FloatKeys.asSum]]).
 */
final class FloatPath(val multipliers: Array[Int], val biases: Array[Int], val relu: Boolean, val residualFrom: Int, val reluAfterAdd: Boolean, val fork: Boolean, val forkDepth: Int, val globalPixels: Int) {
  require(!fork || forkDepth >= 1, s"a residual queue needs at least one place, got $forkDepth")
  /** The width of the keys the thresholds compare. */
  def keyBits: Int = if (globalPixels > 0) 64 else 32
}

/**
 * One layer of a [[LayerChain]]: its matrix-vector unit (N:M sparse given `sparsity`), for a
 * convolution the sliding windows it multiplies (`window`), and, for every layer but the last, the
 * threshold unit that turns its sums into the next layer's input codes (`codes` by rank, `outBits`
 * wide), max-pooled given `pool`; given `floatPath` the sums become fp32 values first, and the
 * pool and thresholds work on those; given `beatShifts`, the weights are stored divided by the
 * power of two each beat's weights share ([[MatrixVectorUnit]]); given `loadedWeights`, the
 * weights are loaded at start-up into single-port RAMs instead of built in. Arrays and nulls, so
 * Java can build it.
 */
final class ChainLayer(
    val a: CodeFormat,
    val b: CodeFormat,
    val weights: Array[Array[Int]],
    val pe: Int,
    val simd: Int,
    val accBits: Int,
    val thresholds: Array[ChannelThresholds],
    val codes: Array[Int],
    val outBits: Int,
    val sparsity: NmSparsity,
    val window: ConvWindow,
    val pool: PoolWindow,
    val floatPath: FloatPath,
    val beatShifts: Array[Array[Int]],
    val loadedWeights: Boolean) {
  def this(a: CodeFormat, b: CodeFormat, weights: Array[Array[Int]], pe: Int, simd: Int, accBits: Int, thresholds: Array[ChannelThresholds], codes: Array[Int], outBits: Int, sparsity: NmSparsity, window: ConvWindow, pool: PoolWindow, floatPath: FloatPath, beatShifts: Array[Array[Int]]) =
    this(a, b, weights, pe, simd, accBits, thresholds, codes, outBits, sparsity, window, pool, floatPath, beatShifts, false)
  def this(a: CodeFormat, b: CodeFormat, weights: Array[Array[Int]], pe: Int, simd: Int, accBits: Int, thresholds: Array[ChannelThresholds], codes: Array[Int], outBits: Int, sparsity: NmSparsity, window: ConvWindow, pool: PoolWindow, floatPath: FloatPath) =
    this(a, b, weights, pe, simd, accBits, thresholds, codes, outBits, sparsity, window, pool, floatPath, null)
  def last: Boolean = thresholds == null
  require(pool == null || !last, "the last layer cannot pool")
  require(floatPath == null || !last, "the last layer emits sums")
  def forks: Boolean = floatPath != null && floatPath.fork
  def residualFrom: Int = if (floatPath == null) -1 else floatPath.residualFrom

  /** This layer with its weights loaded at start-up. */
  def withLoadedWeights: ChainLayer = new ChainLayer(a, b, weights, pe, simd, accBits, thresholds, codes, outBits, sparsity, window, pool, floatPath, beatShifts, true)

  /** Its weight memories' lines. */
  def weightLines: WeightLines = new WeightLines(b, weights.map(_.toSeq).toSeq, pe, simd, Option(sparsity), Option(beatShifts).map(_.map(_.toSeq).toSeq))

  /** Beats of the (pooled) output per image. */
  def outputBeats: Int = {
    val pixels = if (window == null) 1 else window.outH * window.outW
    val pooled = if (pool == null) pixels else pool.outH * pool.outW
    pooled * weights.length / pe
  }
}

/**
 * Streams input vectors (`simd` codes of the first layer per beat) through every layer and emits
 * the last layer's exact sums (`pe` per beat, output channels in order). A layer's threshold unit
 * emits `pe` codes per beat, which is exactly the next layer's input beat: the next layer's SIMD
 * must equal this layer's PE, so no width conversion is needed. A two-place queue decouples
 * neighbours. Each layer is a module of its own, `Layer<i>` (see [[LayerStage]]). Given
 * `memories`, every layer's weights go to memories initialized from hex files under that folder,
 * the design's (see [[MatrixVectorUnit]]). Layers with loaded weights take them at start-up from
 * the `load` stream, one layer after another ([[LayerChain.loadBytes]]), and `loaded` rises once
 * every one is in.
 *
 * A residual connection runs from a layer that forks its fp32 values to a later layer that adds
 * them, through a queue of the fork's `forkDepth` beats: the later layer's first output needs a
 * few rows of the fork's, which the queue must hold, or the fork waits on the add that waits on
 * it. A whole image of them always fits; the compiler sizes the queue down with the cycle-level
 * model to what keeps the chain's pace.
 */
class LayerChain(val layers: Seq[ChainLayer], val memories: Option[java.nio.file.Path] = None) extends Module {
  require(layers.nonEmpty && layers.init.forall(!_.last) && layers.last.last, "every layer but the last needs thresholds")
  for ((x, y) <- layers.zip(layers.drop(1))) {
    require(y.simd == x.pe, s"a layer's SIMD (${y.simd}) must equal the previous layer's PE (${x.pe})")
    require(y.a.bits == x.outBits, "a layer's input codes must be as wide as the previous threshold unit's")
  }

  private val loading = layers.exists(_.loadedWeights)
  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(layers.head.simd, UInt(layers.head.a.bits.W))))
    val out = Decoupled(Vec(layers.last.pe, new DotProductResult(layers.last.accBits)))
    val load = if (loading) Some(Flipped(Decoupled(UInt(8.W)))) else None
    val loaded = if (loading) Some(Output(Bool())) else None
  })

  for ((layer, i) <- layers.zipWithIndex if layer.residualFrom >= 0) {
    val from = layers.lift(layer.residualFrom)
    require(layer.residualFrom < i && from.exists(_.forks), s"layer $i adds the values of layer ${layer.residualFrom}, which must be an earlier layer that forks them")
    require(from.get.pe == layer.pe && from.get.outputBeats == layer.outputBeats, s"layer $i and the layer it adds must stream alike (PE ${from.get.pe} and ${layer.pe})")
  }

  private var stream: DecoupledIO[Vec[UInt]] = io.in
  private val stages = layers.zipWithIndex.map { case (layer, i) =>
    val stage = Module(new LayerStage(layer, i, memories))
    stage.io.in <> stream
    if (layer.last) {
      io.out <> stage.io.out.get
    } else {
      stream = stage.io.codes.get
    }
    stage
  }
  // The load stream fills the layers with loaded weights in order: each takes its bytes until it is full.
  for (load <- io.load) {
    val loaders = stages.flatMap(_.io.load)
    var earlierTaking = false.B
    for (l <- loaders) {
      l.valid := load.valid && !earlierTaking
      l.bits := load.bits
      earlierTaking = earlierTaking || l.ready
    }
    load.ready := earlierTaking
    io.loaded.get := stages.flatMap(_.io.loaded).reduce(_ && _)
    // A serial classifier around the chain has no use for it, but a simulation of the chain alone does.
    dontTouch(io.loaded.get)
  }
  for ((layer, i) <- layers.zipWithIndex if layer.residualFrom >= 0) {
    val from = layer.residualFrom
    stages(i).io.skipIn.get <> Queue(stages(from).io.skipOut.get, layers(from).floatPath.forkDepth, useSyncReadMem = true)
  }
}

/**
 * Layer `index` of a [[LayerChain]] as one module, `Layer<index>`, so synthesis reports can be
 * read per layer: its matrix-vector unit and, unless it is the last, its threshold unit and the
 * queue after it. It has one of `out` (the last layer's sums) and `codes` (the next layer's input
 * codes).
 */
class LayerStage(layer: ChainLayer, index: Int, memories: Option[java.nio.file.Path]) extends Module {
  override def desiredName: String = s"Layer$index"

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(layer.simd, UInt(layer.a.bits.W))))
    val out = if (layer.last) Some(Decoupled(Vec(layer.pe, new DotProductResult(layer.accBits)))) else None
    val codes = if (layer.last) None else Some(Decoupled(Vec(layer.pe, UInt(layer.outBits.W))))
    val skipOut = if (layer.forks) Some(Decoupled(Vec(layer.pe, UInt(32.W)))) else None
    val skipIn = if (layer.residualFrom >= 0) Some(Flipped(Decoupled(Vec(layer.pe, UInt(32.W))))) else None
    val load = if (layer.loadedWeights) Some(Flipped(Decoupled(UInt(8.W)))) else None
    val loaded = if (layer.loadedWeights) Some(Output(Bool())) else None
  })

  private val mvu = Module(new MatrixVectorUnit(layer.a, layer.b, layer.weights.map(_.toSeq).toSeq, layer.pe, layer.simd, layer.accBits, memories.map(d => (d, s"layer$index")), Option(layer.sparsity), Option(layer.beatShifts).map(_.map(_.toSeq).toSeq), layer.loadedWeights))
  io.load.foreach(_ <> mvu.io.load.get)
  io.loaded.foreach(_ := mvu.io.loaded.get)
  Option(layer.window) match {
    case None => mvu.io.in <> io.in
    case Some(w) =>
      val windows = Module(new SlidingWindowUnit(layer.a.bits, layer.simd, w))
      windows.io.in <> io.in
      mvu.io.in <> windows.io.out
  }
  io.out.foreach(_ <> mvu.io.out)
  io.codes.foreach { codes =>
    val pooled = layer.pool != null
    val f = layer.floatPath
    val sums = if (f == null) mvu.io.out else floatSums(f)
    val thresholdBits = if (f == null) layer.accBits else f.keyBits
    val thresholds = Module(new ThresholdUnit(thresholdBits, layer.outBits, layer.pe, layer.thresholds.toSeq, layer.codes.toSeq, ranks = pooled && f == null))
    thresholds.io.in <> sums
    if (pooled && f == null) {
      val pool = Module(new MaxPoolUnit(ThresholdUnit.rankBits(layer.codes.length), layer.pe, layer.pool))
      pool.io.in <> thresholds.io.out
      codes <> LayerStage.map(pool.io.out, UInt(layer.outBits.W))(e => ThresholdUnit.code(e, layer.codes.toSeq, layer.thresholds.head.nanCode, layer.outBits))
    } else {
      codes <> Queue(thresholds.io.out, 2)
    }
  }

  /** The layer's sums through its float path, as the keys its thresholds take. */
  private def floatSums(f: FloatPath): DecoupledIO[Vec[DotProductResult]] = {
    val f32 = IeeeFormat.Fp32
    val requant = Module(new FloatRequantUnit(layer.accBits, layer.pe, f.multipliers.toSeq, f.biases.toSeq, f.relu))
    requant.io.in <> mvu.io.out
    var values: DecoupledIO[Vec[UInt]] = requant.io.out
    io.skipIn.foreach { skip =>
      val add = Module(new ResidualAddUnit(layer.pe, f.reluAfterAdd))
      add.io.in <> values
      add.io.skip <> skip
      values = add.io.out
    }
    if (layer.pool != null) {
      val pool = Module(new MaxPoolUnit(32, layer.pe, layer.pool))
      pool.io.in <> LayerStage.map(values, UInt(33.W))(v => Cat(FloatKeys.isNaN(v, f32), FloatKeys.order(v, f32)))
      values = LayerStage.map(pool.io.out, UInt(32.W))(e => Mux(e(32), FloatAdd.quietNaN(f32), FloatKeys.fromOrder(e(31, 0), f32)))
    }
    io.skipOut.foreach { skip =>
      val (mine, theirs) = LayerStage.fork(values)
      skip <> theirs
      values = mine
    }
    if (f.globalPixels > 0) {
      val gap = Module(new GlobalPoolUnit(layer.pe, layer.weights.length, f.globalPixels))
      gap.io.in <> values
      LayerStage.map(gap.io.out, new DotProductResult(64))(v => FloatKeys.asSum(v, IeeeFormat.Fp64))
    } else {
      LayerStage.map(values, new DotProductResult(32))(v => FloatKeys.asSum(v, f32))
    }
  }
}

object LayerChain {

  /** The bytes the `load` stream of a chain of `layers` takes: each layer's with loaded weights, in order. */
  def loadBytes(layers: Seq[ChainLayer]): Array[Byte] = layers.filter(_.loadedWeights).flatMap(_.weightLines.loadBytes).toArray
}

object LayerStage {

  /** `in` with `f` applied to each element of each beat, combinationally; `element` is the result's type. */
  def map[T <: Data, U <: Data](in: DecoupledIO[Vec[T]], element: U)(f: T => U): DecoupledIO[Vec[U]] = {
    val out = Wire(Decoupled(Vec(in.bits.length, element)))
    out.valid := in.valid
    in.ready := out.ready
    for (i <- 0 until in.bits.length) {
      out.bits(i) := f(in.bits(i))
    }
    out
  }

  /** Both copies of each beat of `in`, which leaves once both sides take it. */
  def fork[T <: Data](in: DecoupledIO[T]): (DecoupledIO[T], DecoupledIO[T]) = {
    val a = Wire(Decoupled(chiselTypeOf(in.bits)))
    val b = Wire(Decoupled(chiselTypeOf(in.bits)))
    a.bits := in.bits
    b.bits := in.bits
    a.valid := in.valid && b.ready
    b.valid := in.valid && a.ready
    in.ready := a.ready && b.ready
    (a, b)
  }
}
