package dev.seedj.core.weights;

/**
 * Exact conversions between IEEE 754 binary16 ("half", {@code float16}), bfloat16 and float32, done in Java
 * because {@code Float.float16ToFloat} only exists from Java 20 and DJL's {@code toType(FLOAT16)} can abort
 * the JVM.
 *
 * <p>Stateless; thread-safe.
 */
public final class Float16 {
    private static final int HALF_SIGN = 0x8000;
    private static final int HALF_EXP_MASK = 0x7c00;
    private static final int HALF_MANT_MASK = 0x03ff;
    /** float32 exponent bias (127) minus float16 exponent bias (15). */
    private static final int BIAS_DIFFERENCE = 112;

    private Float16() {
    }

    /**
     * Widens a float16 exactly: every half value, subnormals included, is a float32 value.
     *
     * @param half the 16 bits of the half
     * @return the same number as a float (NaN payloads and the sign of zero are kept)
     */
    static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & HALF_SIGN) << 16;
        int exp = (h & HALF_EXP_MASK) >>> 10;
        int mant = h & HALF_MANT_MASK;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float32
            float magnitude = Math.scalb((float) mant, -24);
            return sign == 0 ? magnitude : -magnitude;
        }
        if (exp == 0x1f) {
            // infinity (mant == 0) or NaN (payload shifted into the float mantissa)
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + BIAS_DIFFERENCE) << 23) | (mant << 13));
    }

    /**
     * Rounds a float to the nearest float16, ties to even (what {@code tensor.half()} does); values beyond
     * the half range become infinities, tiny values become subnormals or a signed zero, NaN stays NaN.
     *
     * @param value the float
     * @return the 16 bits of the half
     */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & HALF_SIGN;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            // infinity, or NaN kept quiet with the top payload bits
            return (short) (sign | HALF_EXP_MASK | (mant == 0 ? 0 : 0x0200 | (mant >>> 13)));
        }
        if (exp == 0) {
            // float32 zero or subnormal (< 2^-126): far below half's smallest subnormal 2^-24
            return (short) sign;
        }
        int halfExp = exp - BIAS_DIFFERENCE;
        if (halfExp >= 0x1f) {
            return (short) (sign | HALF_EXP_MASK);
        }
        if (halfExp <= 0) {
            // result is a half subnormal (or rounds up to the smallest normal): significand with the
            // implicit bit, in units of 2^-24
            int significand = mant | 0x800000;
            int shift = 14 - halfExp;
            if (shift > 24) {
                return (short) sign;
            }
            return (short) (sign | roundShift(significand, shift));
        }
        // normal: a carry out of the mantissa correctly bumps the exponent (up to infinity)
        return (short) (sign | roundShift((halfExp << 23) | mant, 13));
    }

    /**
     * Widens a bfloat16 exactly (it is the upper half of a float32).
     *
     * @param bf16 the 16 bits
     * @return the float
     */
    public static float bfloat16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    /**
     * Rounds a float32 to bfloat16, to nearest with ties to even (as {@code tensor.bfloat16()}); a NaN stays a
     * (quiet) NaN.
     *
     * @param value the float
     * @return the 16 bits
     */
    public static short bfloat16FromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** {@code value >> shift}, rounded to nearest, ties to even. */
    private static int roundShift(int value, int shift) {
        int result = value >>> shift;
        int remainder = value & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (result & 1) == 1)) {
            result++;
        }
        return result;
    }
}
