// The float arithmetic generators against Java's own: fp32 adds, fp64 accumulation of fp32 values, and the requantizing fma.
package org.qcc.testbenches;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.qcc.hw.HwGenerators;
import org.qcc.hw.IntFma;
import org.qcc.hw.IeeeFormat;

class FloatUnitTest extends VerilatorTest {
  private static final int RANDOM = 20_000;

  /** Every class of fp32 operand: random bits, zeros, subnormals, the largest numbers, infinities, NaN. */
  private static final int[] SPECIAL_FLOATS = {
    0, 0x80000000, 1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x3f800000, 0xbf800000, 0x33800000, 0x4b800000, 0x3f7fffff
  };

  /** x + y in fp32 for every pair of special operands and operands close in value (cancellation), apart in exponent (sticky bits) and random. */
  @Test
  void fp32AddsRoundAsJava() {
    Random r = new Random(11);
    List<long[]> cases = new ArrayList<>();
    for (int a : SPECIAL_FLOATS) {
      for (int b : SPECIAL_FLOATS) {
        cases.add(new long[] {a & 0xffffffffL, b & 0xffffffffL});
      }
    }
    for (int i = 0; i < RANDOM; i++) {
      int a = r.nextInt();
      int b = switch (i % 4) {
        case 0 -> r.nextInt();
        case 1 -> (a ^ 0x80000000) + r.nextInt(64) - 32;
        case 2 -> a + ((r.nextInt(40) - 20) << 23) ^ r.nextInt(1 << 23);
        default -> a & 0xff800000 | r.nextInt(1 << 23);
      };
      cases.add(new long[] {a & 0xffffffffL, b & 0xffffffffL});
    }
    check("fp32_add", HwGenerators.floatAdd(IeeeFormat.Fp32(), IeeeFormat.Fp32(), IeeeFormat.Fp32()), new String[] {"a", "b"}, "sum", cases,
        (a, b) -> Float.floatToRawIntBits(Float.intBitsToFloat((int) a) + Float.intBitsToFloat((int) b)) & 0xffffffffL, 32);
  }

  /** acc + x with an fp64 accumulator and an fp32 value, as the golden model's average pools sum. */
  @Test
  void fp64AccumulationRoundsAsJava() {
    Random r = new Random(12);
    List<long[]> cases = new ArrayList<>();
    for (int i = 0; i < RANDOM; i++) {
      int x = i < SPECIAL_FLOATS.length ? SPECIAL_FLOATS[i] : r.nextInt();
      double near = Float.intBitsToFloat(x) * (1 + r.nextGaussian() * Math.scalb(1.0, -r.nextInt(60)));
      long acc = switch (i % 3) {
        case 0 -> r.nextLong();
        case 1 -> Double.doubleToRawLongBits(-near);
        default -> Double.doubleToRawLongBits(Math.scalb(near, r.nextInt(120) - 60));
      };
      cases.add(new long[] {acc, x & 0xffffffffL});
    }
    check("fp64_accumulate", HwGenerators.floatAdd(IeeeFormat.Fp64(), IeeeFormat.Fp32(), IeeeFormat.Fp64()), new String[] {"a", "b"}, "sum", cases,
        (a, b) -> Double.doubleToRawLongBits(Double.longBitsToDouble(a) + Float.intBitsToFloat((int) b)), 64);
  }

  /**
   * fma(fp32(S), m, bias) for 20-bit sums (exact in fp32) and 42-bit sums (rounded first, as
   * minifloat layers' are), positive multipliers of every magnitude and biases of every class but
   * NaN and the infinities; combinational, and pipelined with a new case entering every cycle.
   */
  @ParameterizedTest(name = "{0}-bit sums, pipelined {1}")
  @CsvSource({"20, false", "42, false", "20, true", "42, true"})
  void requantizingFmaRoundsAsJava(int accBits, boolean pipelined) {
    Random r = new Random(13);
    List<long[]> cases = new ArrayList<>();
    long mask = (1L << accBits) - 1;
    for (int i = 0; i < RANDOM; i++) {
      long sum = i % 5 == 0 ? r.nextInt(9) - 4 : r.nextLong() >> (64 - accBits) >> (i % 3 == 0 ? r.nextInt(accBits - 2) : 0);
      float m = Math.scalb(1 + r.nextFloat(), i % 2 == 0 ? -r.nextInt(30) : r.nextInt(250) - 140);
      float product = sum * m;
      float bias = switch (i % 4) {
        case 0 -> Float.intBitsToFloat(SPECIAL_FLOATS[r.nextInt(10)]);
        case 1 -> Float.isFinite(product) ? -product * (1 + (float) r.nextGaussian() * 1e-6f) : -Float.MAX_VALUE;
        case 2 -> (float) r.nextGaussian();
        default -> Float.intBitsToFloat(r.nextInt() & 0x7f7fffff | r.nextInt(2) << 31);
      };
      cases.add(new long[] {sum & mask, Float.floatToRawIntBits(m) & 0xffffffffL, Float.floatToRawIntBits(bias) & 0xffffffffL});
    }
    int latency = IntFma.cycles(accBits, pipelined);
    List<Long> got = run("fma" + accBits + (pipelined ? "p" : ""), "IntFma", HwGenerators.intFma(accBits, pipelined), new String[] {"sum", "multiplier", "bias"}, "out", cases, latency);
    for (int i = 0; i < cases.size(); i++) {
      long[] c = cases.get(i);
      long sum = c[0] << (64 - accBits) >> (64 - accBits);
      float want = Math.fma((float) sum, Float.intBitsToFloat((int) c[1]), Float.intBitsToFloat((int) c[2]));
      assertEquals(Float.floatToRawIntBits(want), got.get(i).intValue(), "fma(" + sum + ", " + Float.intBitsToFloat((int) c[1]) + ", " + Float.intBitsToFloat((int) c[2]) + ")");
    }
  }

  /** Runs {@code cases} through {@code top} and compares each output with {@code expected}; NaN results need only be NaN. */
  private static void check(String name, String sv, String[] inputs, String output, List<long[]> cases, LongBinaryOperator expected, int bits) {
    List<Long> got = run(name, "FloatAdd", sv, inputs, output, cases, 0);
    for (int i = 0; i < cases.size(); i++) {
      long[] c = cases.get(i);
      long want = expected.applyAsLong(c[0], c[1]);
      boolean nan = bits == 32 ? Float.isNaN(Float.intBitsToFloat((int) want)) : Double.isNaN(Double.longBitsToDouble(want));
      boolean gotNan = bits == 32 ? Float.isNaN(Float.intBitsToFloat(got.get(i).intValue())) : Double.isNaN(Double.longBitsToDouble(got.get(i)));
      if (!(nan && gotNan)) {
        assertEquals(Long.toHexString(want), Long.toHexString(got.get(i)), "case " + i + ": " + Long.toHexString(c[0]) + " + " + Long.toHexString(c[1]));
      }
    }
  }

  /**
   * Builds {@code top} in folder {@code name}, a unit with inputs {@code io_<input>} and output
   * {@code io_<output>} of at most 64 bits, and evaluates it on each case: combinational at {@code
   * latency} 0, else pipelined (input {@code io_advance} held high) with a case entering each cycle
   * and its output read {@code latency} cycles later, so a stage that mixed two cases would show.
   */
  private static List<Long> run(String name, String top, String sv, String[] inputs, String output, List<long[]> cases, int latency) {
    StringBuilder drive = new StringBuilder(latency > 0 ? "    dut.io_advance = 1;\n" : "");
    for (int i = 0; i < inputs.length; i++) {
      drive.append("    dut.io_").append(inputs[i]).append(" = v[").append(i).append("];\n");
    }
    String harness = Verilator.INCLUDES + """
        #include "VTOP.h"

        int main(int argc, char** argv) {
        PROLOGUE
          uint64_t v[COUNT] = {0};
          // After the last case, LATENCY more cycles (repeating it) bring its output out.
          for (long step = 0, left = -1; left != 0; step++) {
            for (int i = 0; i < COUNT && left < 0; i++) {
              if (std::fscanf(in, "%" SCNx64, &v[i]) != 1) left = LATENCY + 1;
            }
            if (left > 0) left--;
            if (left == 0) break;
        DRIVE
            half(0);
            if (step >= LATENCY) std::printf("%" PRIx64 "\\n", static_cast<uint64_t>(dut.io_OUT));
            half(1);
          }
          dut.final();
          return 0;
        }
        """.replace("TOP", top).replace("PROLOGUE\n", Verilator.prologue(top)).replace("DRIVE\n", drive).replace("COUNT", String.valueOf(inputs.length)).replace("LATENCY", String.valueOf(latency)).replace("OUT", output);
    Verilator model = Verilator.build(work.resolve(name), top, sv, harness);
    StringBuilder s = new StringBuilder();
    for (long[] c : cases) {
      for (long x : c) {
        s.append(Long.toHexString(x)).append(' ');
      }
      s.append('\n');
    }
    List<String> lines = model.run(s);
    assertEquals(cases.size(), lines.size());
    return lines.stream().map(l -> Long.parseUnsignedLong(l.trim(), 16)).toList();
  }
}
