// The iCEBreaker board (iCE40 UP5K, sg48): the top level that puts the serial classifier on its pins.
package org.qcc.backends.rtl;

import org.qcc.backends.BackendException;

/**
 * The iCEBreaker's side of a serial classifier: a top module on the board's 12 MHz clock and its
 * FTDI serial lines, which holds the classifier in reset for the first 15 cycles (the board has no
 * reset line; the iCE40's flip-flops start at their initial values), and the pin constraints.
 */
public final class IceBreaker {
  private IceBreaker() {}

  /** The board's oscillator. */
  public static final int CLOCK_HZ = 12_000_000;

  /** The serial line's rate unless one is asked for: the board's FTDI bridge and every terminal take it. */
  public static final int DEFAULT_BAUD = 115_200;

  /** The top module's name. */
  public static final String TOP = "IceBreakerTop";

  /** Clock cycles per bit at {@code baud}, refusing a rate the 12 MHz clock cannot sample well. */
  public static int divider(int baud) {
    if (baud <= 0 || CLOCK_HZ / baud < 8) {
      throw new BackendException("the serial line needs at least 8 clock cycles per bit: at 12 MHz, a baud rate up to 1500000, not " + baud);
    }
    return Math.round(CLOCK_HZ / (float) baud);
  }

  /** Verilog of the top module around {@code classifier} (ports clock, reset, io_rx, io_tx). */
  public static String top(String classifier) {
    return """
        // The iCEBreaker's top level: a serial classifier on the 12 MHz clock (pin 35) and the FTDI
        // serial lines (RX pin 6, TX pin 9), in reset for its first 15 cycles.
        module TOP (
          input  CLK,
          input  RX,
          output TX
        );
          reg [3:0] powerOn = 4'd0;
          wire reset = powerOn != 4'd15;
          always @(posedge CLK)
            if (reset)
              powerOn <= powerOn + 4'd1;
          CLASSIFIER classifier (
            .clock(CLK),
            .reset(reset),
            .io_rx(RX),
            .io_tx(TX)
          );
        endmodule
        """.replace("TOP", TOP).replace("CLASSIFIER", classifier);
  }

  /** The pin constraints for nextpnr-ice40. */
  public static String pins() {
    return """
        set_io CLK 35
        set_io RX 6
        set_io TX 9
        """;
  }
}
