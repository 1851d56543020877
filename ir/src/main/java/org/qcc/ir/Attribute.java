// Node attribute values: the closed set of kinds ONNX and qcc use.
package org.qcc.ir;

import java.util.List;

/** A typed attribute value. */
public sealed interface Attribute
    permits Attribute.Int,
        Attribute.Float,
        Attribute.Str,
        Attribute.Ints,
        Attribute.Floats,
        Attribute.Strs,
        Attribute.TensorValue {

  /** The kind's name as the textual IR prints it for empty lists and in messages. */
  String kind();

  record Int(long value) implements Attribute {
    @Override
    public String kind() {
      return "int";
    }
  }

  record Float(float value) implements Attribute {
    @Override
    public String kind() {
      return "float";
    }
  }

  record Str(String value) implements Attribute {
    @Override
    public String kind() {
      return "string";
    }
  }

  record Ints(List<Long> values) implements Attribute {
    public Ints {
      values = List.copyOf(values);
    }

    public long[] toArray() {
      return values.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public String kind() {
      return "ints";
    }
  }

  record Floats(List<java.lang.Float> values) implements Attribute {
    public Floats {
      values = List.copyOf(values);
    }

    public float[] toArray() {
      float[] a = new float[values.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = values.get(i);
      }
      return a;
    }

    @Override
    public String kind() {
      return "floats";
    }
  }

  record Strs(List<String> values) implements Attribute {
    public Strs {
      values = List.copyOf(values);
    }

    @Override
    public String kind() {
      return "strings";
    }
  }

  /** A tensor-valued attribute (e.g. Constant's value). Equality compares contents. */
  record TensorValue(Tensor value) implements Attribute {
    @Override
    public String kind() {
      return "tensor";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TensorValue t && value.contentEquals(t.value);
    }

    @Override
    public int hashCode() {
      return value.type().hashCode();
    }
  }
}
