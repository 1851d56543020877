// Dense packing of codes: layouts of 4- and 6-bit codes and round trips for every width.
package org.qcc.ir.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PackingTest {
  @Test
  void fourBitCodesGoLowNibbleFirst() {
    assertArrayEquals(new byte[] {0x21, 0x03}, Packing.pack(new int[] {1, 2, 3}, 4));
  }

  @Test
  void fourSixBitCodesFillThreeBytes() {
    // 0b000001, 0b000010, 0b000011, 0b111111 as one LSB-first stream of 24 bits.
    byte[] p = Packing.pack(new int[] {1, 2, 3, 63}, 6);
    assertArrayEquals(new byte[] {(byte) 0x81, (byte) 0x30, (byte) 0xFC}, p);
  }

  @Test
  void everyWidthRoundTrips() {
    Random r = new Random(1);
    for (int bits = 1; bits <= 16; bits++) {
      for (int n : new int[] {0, 1, 7, 8, 9, 33, 1000}) {
        int[] codes = r.ints(n, 0, 1 << bits).toArray();
        byte[] packed = Packing.pack(codes, bits);
        assertEquals((n * bits + 7) / 8, packed.length);
        assertArrayEquals(codes, Packing.unpack(packed, bits, n));
      }
    }
  }

  @Test
  void codesThatDoNotFitAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> Packing.pack(new int[] {16}, 4));
    assertThrows(IllegalArgumentException.class, () -> Packing.unpack(new byte[1], 4, 3));
    assertThrows(IllegalArgumentException.class, () -> Packing.pack(new int[] {0}, 17));
  }
}
