// An N:M sparse processing element: kept weights and their indices in ROM, inputs chosen by multiplexers.
package org.qcc.hw

import chisel3._
import chisel3.util._

/** One beat of activations: `groups` groups of `m` codes; `last` closes the dot product. */
class SparseBeat(format: CodeFormat, inputs: Int) extends Bundle {
  val x = Vec(inputs, UInt(format.bits.W))
  val last = Bool()
}

/**
 * A dot product of activations with constant N:M sparse weights. Each beat takes `groups` groups of
 * `m` activation codes; for every group the PE holds, per beat, the `n` kept weights and their
 * positions (0 to m-1) in ROMs, and `n` multiplexers pick the activations at those positions, so a
 * beat needs `n * groups` multipliers where a dense unit needs `m * groups`: throughput per
 * multiplier and resources both scale with n/m. Pruned positions are never read, so their
 * activations (NaN included) do not reach the sum, which is the golden model's sparse semantics.
 *
 * `weights(beat)` and `indices(beat)` list the lanes of a beat, group by group (`n` per group). The
 * beat counter restarts after `last`; a dot product is `weights.length` beats long.
 */
class SparseDotProductUnit(
    val a: CodeFormat,
    val b: CodeFormat,
    val n: Int,
    val m: Int,
    val groups: Int,
    val weights: Seq[Seq[Int]],
    val indices: Seq[Seq[Int]],
    val accBits: Int)
    extends Module {
  require(n >= 1 && n <= m, s"N:M sparsity needs 1 <= n <= m, got $n:$m")
  require(weights.nonEmpty && weights.length == indices.length, "weights and indices need the same, nonzero number of beats")
  require(weights.forall(_.length == n * groups) && indices.forall(_.length == n * groups), s"every beat holds n * groups = ${n * groups} weights and indices")
  require(indices.flatten.forall(i => i >= 0 && i < m), s"indices must be positions 0 to ${m - 1}")
  require(weights.flatten.forall(w => w >= 0 && w < (1 << b.bits)), s"weights must be ${b.bits}-bit codes")

  val io = IO(new Bundle {
    val in = Flipped(Valid(new SparseBeat(a, groups * m)))
    val out = Valid(new DotProductResult(accBits))
  })

  private val beats = weights.length
  private val beat = RegInit(0.U(math.max(1, log2Ceil(beats)).W))
  when(io.in.valid) {
    beat := Mux(io.in.bits.last || beat === (beats - 1).U, 0.U, beat + 1.U)
  }

  private val dot = Module(new DotProductUnit(a, b, n * groups, accBits))
  dot.io.in.valid := io.in.valid
  dot.io.in.bits.last := io.in.bits.last
  for (lane <- 0 until n * groups) {
    val group = lane / n
    val position = VecInit(indices.map(_(lane).U(math.max(1, log2Ceil(m)).W)))(beat)
    val candidates = VecInit((0 until m).map(k => io.in.bits.x(group * m + k)))
    dot.io.in.bits.a(lane) := candidates(position)
    dot.io.in.bits.b(lane) := VecInit(weights.map(_(lane).U(b.bits.W)))(beat)
  }
  io.out := dot.io.out
}
