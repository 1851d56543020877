// Every format's name parses back to it; impossible formats fail naming the field and range.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FormatNamesTest {
  @Test
  void namesRoundTrip() {
    ScalarFormatExhaustiveTest.formats().forEach(f -> assertEquals(f, ElementFormats.parse(f.name()), f.name()));
    BlockQuantizerTest.formats().forEach(f -> assertEquals(f, ElementFormats.parse(f.name()), f.name()));
    for (ElementFormat f : ElementFormats.presets()) {
      assertEquals(f, ElementFormats.parse(f.name()));
    }
  }

  @Test
  void theIssuesExamplesAndAliasesParse() {
    assertEquals(new IntFormat(4, true, false), ElementFormats.parse("int4"));
    assertEquals(new IntFormat(8, false, false), ElementFormats.parse("uint8"));
    assertEquals(Minifloat.FP8_E4M3, ElementFormats.parse("e4m3fn"));
    assertEquals(Minifloat.FP8_E4M3, ElementFormats.parse("fp8_e4m3"));
    assertEquals(new Minifloat(3, 2, 5, true, true, Minifloat.Specials.IEEE, true), ElementFormats.parse("e3m2b5"));
    assertEquals(new Minifloat(3, 2, -3, true, false, Minifloat.Specials.NONE, true), ElementFormats.parse("e3m2bn3fin_nosub"));
    assertEquals(Minifloat.FP4_E2M1, ElementFormats.parse("fp4_e2m1"));
    assertEquals(new BlockFloat(8, 16, 8), ElementFormats.parse("bfp8b16"));
    assertEquals(Microscaling.MXFP6_E2M3, ElementFormats.parse("mxfp6_e2m3"));
    assertEquals(new Microscaling(Minifloat.FP4_E2M1, 16), ElementFormats.parse("mxfp4_e2m1k16"));
    assertEquals(IntFormat.TERNARY, ElementFormats.parse("ternary"));
    assertEquals(Minifloat.FP16, ElementFormats.scalar("fp16"));
  }

  @Test
  void impossibleFormatsNameTheFieldAndRange() {
    assertMessage("int0", "integer bits must be in 1..64, got 0");
    assertMessage("e9m2", "exponent bits must be in 1..8, got 9");
    assertMessage("e4m11", "mantissa bits must be in 0..10, got 11");
    assertMessage("e4m3b200", "bias of e4m3 must be in");
    assertMessage("bfp8b0", "BFP block size must be in 1..4096, got 0");
    assertMessage("mxfp4_e2m1k0", "MX block size must be in 1..4096, got 0");
    assertMessage("e5m0", "needs at least 1 mantissa bit");
    assertMessage("uint4n", "narrow range needs a signed integer");
    assertMessage("fp7", "unknown element format 'fp7'");
    assertTrue(ElementFormats.lookup("e9m2").isEmpty());
  }

  private static void assertMessage(String name, String fragment) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ElementFormats.parse(name));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
