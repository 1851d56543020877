// The element format of a tensor: how one scalar is represented.
package org.qcc.ir.formats;

/**
 * A scalar number format. Every format has a stable textual name shared by the textual IR,
 * pass options and the CLI; {@link ElementFormats#parse(String)} is its inverse.
 */
public sealed interface ElementFormat permits FloatFormat, BoolFormat, ScalarFormat, BlockFormat {

  /** The textual name, e.g. {@code fp32}, {@code int8}, {@code uint8n}. */
  String name();

  /** Storage width of one element in bits. */
  int bits();

  /** True for formats whose values are not integers (floating point of any kind). */
  boolean isFloatingPoint();
}
