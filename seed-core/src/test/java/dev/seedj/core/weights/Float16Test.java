package dev.seedj.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** float16 and bfloat16 conversions: subnormals, infinities, NaN, signed zero, rounding ties. */
class Float16Test {

    @Test
    void widensSpecialHalfValues() {
        assertBits(0.0f, Float16.toFloat((short) 0x0000));
        assertBits(-0.0f, Float16.toFloat((short) 0x8000));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001), 0f, "smallest subnormal");
        assertEquals(-0x1p-24f, Float16.toFloat((short) 0x8001), 0f);
        assertEquals(0x3ffp-24f, Float16.toFloat((short) 0x03ff), 0f, "largest subnormal");
        assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400), 0f, "smallest normal");
        assertEquals(1.0f, Float16.toFloat((short) 0x3c00), 0f);
        assertEquals(-2.0f, Float16.toFloat((short) 0xc000), 0f);
        assertEquals(65504f, Float16.toFloat((short) 0x7bff), 0f, "largest finite");
        assertEquals(Float.POSITIVE_INFINITY, Float16.toFloat((short) 0x7c00), 0f);
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xfc00), 0f);
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7e00)));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0xfc01)));
        assertEquals(0.333251953125f, Float16.toFloat((short) 0x3555), 0f);
    }

    @Test
    void widensEveryFiniteHalfExactly() {
        for (int h = 0; h < 0x10000; h++) {
            int exp = (h >> 10) & 0x1f;
            if (exp == 0x1f) {
                continue;
            }
            int mant = h & 0x3ff;
            double magnitude = exp == 0 ? mant * Math.pow(2, -24) : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            double expected = (h & 0x8000) != 0 ? -magnitude : magnitude;
            assertEquals(expected, Float16.toFloat((short) h), 0.0, "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void roundTripsEveryHalf() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(f))), "NaN stays NaN");
            } else {
                assertEquals(h, Float16.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void roundsToNearestEven() {
        assertEquals(0x3c00, half(1f + 0x1p-11f), "tie between 1 and 1+2^-10 goes to even 1");
        assertEquals(0x3c02, half(1f + 3 * 0x1p-11f), "tie between 1+2^-10 and 1+2^-9 goes to even 1+2^-9");
        assertEquals(0x3c01, half(1f + 0x1p-11f + 0x1p-20f), "just above the tie rounds up");
        assertEquals(0x7bff, half(65519f));
        assertEquals(0x7c00, half(65520f), "halfway past the largest finite overflows to infinity");
        assertEquals(0x7c00, half(1e10f));
        assertEquals(0xfc00, half(-1e10f));
        assertEquals(0x0000, half(0x1p-25f), "tie between 0 and the smallest subnormal goes to 0");
        assertEquals(0x0001, half(0x1p-25f * 1.0000001f));
        assertEquals(0x0002, half(3 * 0x1p-25f), "subnormal tie 1.5 -> 2");
        assertEquals(0x0400, half(0x3ffp-24f + 0x1p-25f), "subnormal carrying into the smallest normal");
        assertEquals(0x8000, half(-0.0f));
        assertEquals(0x8000, half(-1e-30f), "tiny negatives keep their sign");
        assertEquals(0x0000, half(Float.MIN_VALUE));
        assertEquals(0x7c00, half(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
    }

    @Test
    void widensBfloat16() {
        assertEquals(1.0f, Float16.bfloat16ToFloat((short) 0x3f80), 0f);
        assertEquals(3.140625f, Float16.bfloat16ToFloat((short) 0x4049), 0f);
        assertEquals(-2.0f, Float16.bfloat16ToFloat((short) 0xc000), 0f);
        assertEquals(Float.intBitsToFloat(0x00010000), Float16.bfloat16ToFloat((short) 0x0001), 0f, "subnormal");
        assertBits(-0.0f, Float16.bfloat16ToFloat((short) 0x8000));
        assertEquals(Float.POSITIVE_INFINITY, Float16.bfloat16ToFloat((short) 0x7f80), 0f);
        assertEquals(Float.NEGATIVE_INFINITY, Float16.bfloat16ToFloat((short) 0xff80), 0f);
        assertTrue(Float.isNaN(Float16.bfloat16ToFloat((short) 0x7fc0)));
    }

    private static int half(float value) {
        return Float16.fromFloat(value) & 0xffff;
    }

    private static void assertBits(float expected, float actual) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual));
    }
}
