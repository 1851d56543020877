// A counter over 0 until n that steps when told, for the stream units' positions.
package org.qcc.hw

import chisel3._
import chisel3.util._

private[hw] object WrapCounter {

  /** The counter's register (at least one bit wide, so a lone position still indexes) and whether it wraps on this cycle's step. */
  def apply(n: Int, step: Bool): (UInt, Bool) = {
    val c = RegInit(0.U(math.max(1, log2Ceil(n)).W))
    val wrap = c === (n - 1).U
    when(step) {
      c := Mux(wrap, 0.U, c + 1.U)
    }
    (c, step && wrap)
  }
}
