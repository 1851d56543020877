// Mapping between ONNX TensorProto.DataType codes and qcc element formats.
package org.qcc.frontend.onnx;

import java.util.Optional;
import org.qcc.frontend.onnx.proto.Onnx.TensorProto.DataType;
import org.qcc.ir.formats.BoolFormat;
import org.qcc.ir.formats.ElementFormat;
import org.qcc.ir.formats.FloatFormat;
import org.qcc.ir.formats.IntFormat;

/** ONNX data type code to format and back. */
public final class DataTypes {
  private DataTypes() {}

  /** The format of an ONNX data type code, or empty when qcc has none for it. */
  public static Optional<ElementFormat> format(int code) {
    DataType t = DataType.forNumber(code);
    if (t == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(
        switch (t) {
          case FLOAT -> FloatFormat.FP32;
          case DOUBLE -> FloatFormat.FP64;
          case FLOAT16 -> FloatFormat.FP16;
          case BFLOAT16 -> FloatFormat.BF16;
          case INT8 -> IntFormat.INT8;
          case INT16 -> IntFormat.INT16;
          case INT32 -> IntFormat.INT32;
          case INT64 -> IntFormat.INT64;
          case UINT8 -> IntFormat.UINT8;
          case UINT16 -> IntFormat.UINT16;
          case UINT32 -> IntFormat.UINT32;
          case UINT64 -> IntFormat.UINT64;
          case BOOL -> BoolFormat.BOOL;
          default -> null;
        });
  }

  /** Human-readable name of a code for messages. */
  public static String name(int code) {
    DataType t = DataType.forNumber(code);
    return t == null ? "code " + code : t.name();
  }

  /** The ONNX code of a format; throws for formats ONNX cannot carry natively. */
  public static int code(ElementFormat f) {
    if (f instanceof BoolFormat) {
      return DataType.BOOL_VALUE;
    }
    if (f instanceof FloatFormat ff) {
      return switch (ff.name()) {
        case "fp32" -> DataType.FLOAT_VALUE;
        case "fp64" -> DataType.DOUBLE_VALUE;
        case "fp16" -> DataType.FLOAT16_VALUE;
        case "bf16" -> DataType.BFLOAT16_VALUE;
        default -> throw new IllegalArgumentException("no ONNX type for " + f.name());
      };
    }
    IntFormat i = (IntFormat) f;
    if (!i.narrow()) {
      switch (i.bits()) {
        case 8:
          return i.signed() ? DataType.INT8_VALUE : DataType.UINT8_VALUE;
        case 16:
          return i.signed() ? DataType.INT16_VALUE : DataType.UINT16_VALUE;
        case 32:
          return i.signed() ? DataType.INT32_VALUE : DataType.UINT32_VALUE;
        case 64:
          return i.signed() ? DataType.INT64_VALUE : DataType.UINT64_VALUE;
        default:
          break;
      }
    }
    throw new IllegalArgumentException("no ONNX type for " + f.name());
  }
}
