// The lowering's product: LLVM IR text plus the bytes of the constants it declares.
package org.qcc.backends.llvm;

import java.util.Map;

/** LLVM IR text whose {@code external constant} globals named in {@code constants} get those bytes. */
record ModuleText(String ir, Map<String, byte[]> constants) {}
