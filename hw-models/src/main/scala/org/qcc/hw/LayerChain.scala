// A dataflow accelerator for a chain of fully-connected layers: matrix-vector and threshold units in a row.
package org.qcc.hw

import chisel3._
import chisel3.util._

/**
 * One layer of a [[LayerChain]]: its matrix-vector unit (N:M sparse given `sparsity`), for a
 * convolution the sliding windows it multiplies (`window`), and, for every layer but the last, the
 * threshold unit that turns its sums into the next layer's input codes (`codes` by rank, `outBits`
 * wide), max-pooled given `pool`. Arrays and nulls, so Java can build it.
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
    val pool: PoolWindow) {
  def last: Boolean = thresholds == null
  require(pool == null || !last, "the last layer cannot pool")
}

/**
 * Streams input vectors (`simd` codes of the first layer per beat) through every layer and emits
 * the last layer's exact sums (`pe` per beat, output channels in order). A layer's threshold unit
 * emits `pe` codes per beat, which is exactly the next layer's input beat: the next layer's SIMD
 * must equal this layer's PE, so no width conversion is needed. A two-place queue decouples
 * neighbours. Each layer is a module of its own, `Layer<i>` (see [[LayerStage]]). Given `memories`, every layer's weights go to memories initialized from hex files
 * under that folder, the design's (see [[MatrixVectorUnit]]).
 */
class LayerChain(val layers: Seq[ChainLayer], val memories: Option[java.nio.file.Path] = None) extends Module {
  require(layers.nonEmpty && layers.init.forall(!_.last) && layers.last.last, "every layer but the last needs thresholds")
  for ((x, y) <- layers.zip(layers.drop(1))) {
    require(y.simd == x.pe, s"a layer's SIMD (${y.simd}) must equal the previous layer's PE (${x.pe})")
    require(y.a.bits == x.outBits, "a layer's input codes must be as wide as the previous threshold unit's")
  }

  val io = IO(new Bundle {
    val in = Flipped(Decoupled(Vec(layers.head.simd, UInt(layers.head.a.bits.W))))
    val out = Decoupled(Vec(layers.last.pe, new DotProductResult(layers.last.accBits)))
  })

  private var stream: DecoupledIO[Vec[UInt]] = io.in
  for ((layer, i) <- layers.zipWithIndex) {
    val stage = Module(new LayerStage(layer, i, memories))
    stage.io.in <> stream
    if (layer.last) {
      io.out <> stage.io.out.get
    } else {
      stream = stage.io.codes.get
    }
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
  })

  private val mvu = Module(new MatrixVectorUnit(layer.a, layer.b, layer.weights.map(_.toSeq).toSeq, layer.pe, layer.simd, layer.accBits, memories.map(d => (d, s"layer$index")), Option(layer.sparsity)))
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
    val thresholds = Module(new ThresholdUnit(layer.accBits, layer.outBits, layer.pe, layer.thresholds.toSeq, layer.codes.toSeq, ranks = pooled))
    thresholds.io.in <> mvu.io.out
    if (pooled) {
      val pool = Module(new MaxPoolUnit(ThresholdUnit.rankBits(layer.codes.length), layer.pe, layer.pool, layer.codes.toSeq, layer.thresholds.head.nanCode, layer.outBits))
      pool.io.in <> thresholds.io.out
      codes <> pool.io.out
    } else {
      codes <> Queue(thresholds.io.out, 2)
    }
  }
}
