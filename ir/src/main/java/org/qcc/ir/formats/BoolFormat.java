// The boolean element format.
package org.qcc.ir.formats;

/** Boolean elements, stored as 0 or 1. */
public record BoolFormat() implements ElementFormat {
  public static final BoolFormat BOOL = new BoolFormat();

  @Override
  public String name() {
    return "bool";
  }

  @Override
  public int bits() {
    return 1;
  }

  @Override
  public boolean isFloatingPoint() {
    return false;
  }
}
