// Schema of one attribute of an op.
package org.qcc.ir.ops;

import org.qcc.ir.Attribute;

/** Attribute kind, default (null when none) and whether the attribute is required. */
public record AttrSpec(String name, String kind, Attribute defaultValue, boolean required) {}
