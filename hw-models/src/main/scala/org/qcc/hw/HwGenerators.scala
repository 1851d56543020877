// The generators' entry points for Java: elaborate a unit and return its SystemVerilog.
package org.qcc.hw

import chisel3.RawModule
import circt.stage.ChiselStage

/** Elaborates generators through firtool into SystemVerilog that Verilator 5 and yosys 0.23 accept. */
object HwGenerators {

  /**
   * firtool options: no local variables or packed arrays (yosys 0.23 and iverilog reject them), no
   * source locations, and layers specialized away so no extra include files appear.
   */
  val FirtoolOptions: Array[String] = Array(
    "--lowering-options=disallowLocalVariables,disallowPackedArrays,locationInfoStyle=none",
    "-default-layer-specialization=enable",
    "-disable-all-randomization",
    "-strip-debug-info"
  )

  /** SystemVerilog of `gen`'s module hierarchy, in one text. */
  def systemVerilog(gen: => RawModule): String = ChiselStage.emitSystemVerilog(gen, Array.empty, FirtoolOptions)

  /** A [[DotProductUnit]] for codes of `a` times codes of `b`, `lanes` pairs per beat, into `accBits` bits. */
  def dotProductUnit(a: CodeFormat, b: CodeFormat, lanes: Int, accBits: Int): String =
    systemVerilog(new DotProductUnit(a, b, lanes, accBits))

  /** A [[BlockDotProductUnit]]: per beat one block of `block` code pairs and their scale codes, for dot products of up to `blocks` blocks. */
  def blockDotProductUnit(a: CodeFormat, b: CodeFormat, block: Int, scale: BlockScale, blocks: Int): String =
    systemVerilog(new BlockDotProductUnit(a, b, block, scale, blocks))

  /** A [[SparseDotProductUnit]]: per beat, `groups` groups of `m` activation codes against `n` kept weights each. */
  def sparseDotProductUnit(a: CodeFormat, b: CodeFormat, n: Int, m: Int, groups: Int, weights: Array[Array[Int]], indices: Array[Array[Int]], accBits: Int): String =
    systemVerilog(new SparseDotProductUnit(a, b, n, m, groups, weights.map(_.toSeq).toSeq, indices.map(_.toSeq).toSeq, accBits))

  /**
   * A [[MatrixVectorUnit]] over the constant `weights` (rows x cols codes), folded by `pe` and
   * `simd`; weights in a ROM, or (with `memories`, the design's folder) in memories initialized from
   * hex files written to its `weights` subfolder.
   */
  def matrixVectorUnit(a: CodeFormat, b: CodeFormat, weights: Array[Array[Int]], pe: Int, simd: Int, accBits: Int, memories: java.nio.file.Path): String =
    systemVerilog(new MatrixVectorUnit(a, b, weights.map(_.toSeq).toSeq, pe, simd, accBits, Option(memories).map(d => (d, "weights"))))

  /** A [[ThresholdUnit]] of `channels` (a multiple of `pe`) over `accBits`-bit sums; `codes` maps ranks to codes. */
  def thresholdUnit(accBits: Int, outBits: Int, pe: Int, channels: Array[ChannelThresholds], codes: Array[Int]): String =
    systemVerilog(new ThresholdUnit(accBits, outBits, pe, channels.toSeq, codes.toSeq))

  /** A [[LayerChain]] of `layers`, first to last; weights in memories initialized from hex files under `memories`, the design's folder (null: ROMs). */
  def layerChain(layers: Array[ChainLayer], memories: java.nio.file.Path): String = systemVerilog(new LayerChain(layers.toSeq, Option(memories)))

  /** The bytes that fill the loaded weights of a [[LayerChain]] of `layers` at start-up (empty when none are loaded). */
  def loadBytes(layers: Array[ChainLayer]): Array[Byte] = LayerChain.loadBytes(layers.toSeq)

  /**
   * A [[UartClassifier]] around the [[LayerChain]] of `layers` (memories as for [[layerChain]]),
   * whose SystemVerilog holds both, so the chain can still be simulated or synthesized on its own.
   */
  def uartClassifier(layers: Array[ChainLayer], memories: java.nio.file.Path, logits: LogitArithmetic, divider: Int): String =
    systemVerilog(new UartClassifier(layers.toSeq, Option(memories), logits, divider))

  /** A [[FloatAdd]] of a number of `fa` and one of `fb`, rounded to `out`. */
  def floatAdd(fa: IeeeFormat, fb: IeeeFormat, out: IeeeFormat): String = systemVerilog(new FloatAdd(fa, fb, out))

  /** An [[IntFma]] for `accBits`-bit sums, given `pipelined` in stages. */
  def intFma(accBits: Int, pipelined: Boolean): String = systemVerilog(new IntFma(accBits, pipelined))
}
