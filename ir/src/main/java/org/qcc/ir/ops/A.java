// Short constructors for attribute defaults in op declarations.
package org.qcc.ir.ops;

import java.util.ArrayList;
import java.util.List;
import org.qcc.ir.Attribute;

/** Attribute literals for readable op schemas. */
final class A {
  private A() {}

  static Attribute i(long v) {
    return new Attribute.Int(v);
  }

  static Attribute f(float v) {
    return new Attribute.Float(v);
  }

  static Attribute s(String v) {
    return new Attribute.Str(v);
  }

  static Attribute ints(long... v) {
    List<Long> l = new ArrayList<>();
    for (long x : v) {
      l.add(x);
    }
    return new Attribute.Ints(l);
  }
}
