// The valid bits and stall of a pipeline whose stages all move together.
package org.qcc.hw

import chisel3._
import chisel3.util._

private[hw] object StallingPipeline {

  /**
   * For `stages` register stages between a stream's input and output: `advance`, high when every
   * stage takes its inputs (the last stage is empty or being read), which is also the input's
   * ready, and the output's valid. With no stages, ready and valid pass straight through.
   */
  def apply(stages: Int, inValid: Bool, outReady: Bool): (Bool, Bool) =
    if (stages == 0) {
      (outReady, inValid)
    } else {
      val advance = Wire(Bool())
      val valids = (1 to stages).scanLeft(inValid)((v, _) => RegEnable(v, false.B, advance))
      advance := !valids.last || outReady
      (advance, valids.last)
    }
}
