package dev.seedj.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PillowResize} on cases the oracle photos do not cover (upscaling, mixed up/down, overshoot
 * clipping, single rows). Expected bytes were produced by Pillow 9.4.0 {@code Image.resize}.
 */
class PillowResizeTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** 5 x 3 RGB, value (x * 67 + y * 131 + c * 29) mod 256, with pixel (2, 1) set to magenta. */
    private static byte[] pattern5x3() {
        byte[] p = new byte[3 * 5 * 3];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                for (int c = 0; c < 3; c++) {
                    p[(y * 5 + x) * 3 + c] = (byte) ((x * 67 + y * 131 + c * 29) % 256);
                }
            }
        }
        p[(5 + 2) * 3] = (byte) 255;
        p[(5 + 2) * 3 + 1] = 0;
        p[(5 + 2) * 3 + 2] = (byte) 255;
        return p;
    }

    @Test
    void bicubicWidensAndShrinksLikePillow() {
        // Image.fromarray(a, "RGB").resize((8, 2), Image.BICUBIC)
        byte[] want = bytes(49, 75, 111, 74, 109, 89, 122, 147, 81, 168, 108, 189, 181, 121, 180, 156, 180, 58, 97,
                131, 86, 58, 85, 126, 50, 79, 115, 78, 113, 93, 126, 151, 85, 172, 112, 193, 185, 126, 184, 160, 185,
                62, 101, 135, 90, 60, 89, 130);
        assertArrayEquals(want, PillowResize.resize(pattern5x3(), 5, 3, 3, 8, 2, ResizeMode.BICUBIC));
    }

    @Test
    void bilinearWidensAndShrinksLikePillow() {
        byte[] want = bytes(49, 78, 107, 78, 107, 94, 120, 142, 87, 160, 115, 173, 172, 127, 165, 156, 178, 63, 102,
                131, 90, 61, 90, 119, 53, 82, 111, 82, 111, 98, 124, 146, 90, 163, 119, 176, 175, 131, 168, 160, 182,
                66, 106, 135, 94, 65, 94, 123);
        assertArrayEquals(want, PillowResize.resize(pattern5x3(), 5, 3, 3, 8, 2, ResizeMode.BILINEAR));
    }

    @Test
    void bicubicOvershootIsClippedLikePillow() {
        // Image.fromarray([[0, 255, 255, 0, 0, 255]], "L").resize((13, 2), Image.BICUBIC): the lobes
        // overshoot below 0 and above 255 and are clipped
        byte[] row = bytes(0, 35, 169, 255, 255, 250, 128, 5, 0, 0, 86, 220, 255);
        byte[] got = PillowResize.resize(bytes(0, 255, 255, 0, 0, 255), 6, 1, 1, 13, 2, ResizeMode.BICUBIC);
        assertArrayEquals(concat(row, row), got);
    }

    @Test
    void bilinearStepLikePillow() {
        byte[] row = bytes(0, 49, 167, 255, 255, 245, 128, 10, 0, 0, 88, 206, 255);
        byte[] got = PillowResize.resize(bytes(0, 255, 255, 0, 0, 255), 6, 1, 1, 13, 2, ResizeMode.BILINEAR);
        assertArrayEquals(concat(row, row), got);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void bilinearUpscaleInterpolatesBetweenCentres() {
        // 2 -> 4: centres at 0.25, 0.75, 1.25, 1.75 source px; outputs 0.75/0.25 mixes, edge pixels copied
        byte[] got = PillowResize.resize(bytes(0, 100), 2, 1, 1, 4, 1, ResizeMode.BILINEAR);
        assertArrayEquals(bytes(0, 25, 75, 100), got);
    }

    @ParameterizedTest
    @EnumSource(ResizeMode.class)
    void unchangedSizeIsACopy(ResizeMode mode) {
        byte[] in = pattern5x3();
        byte[] out = PillowResize.resize(in, 5, 3, 3, 5, 3, mode);
        assertArrayEquals(in, out);
        assertNotSame(in, out);
    }

    @ParameterizedTest
    @EnumSource(ResizeMode.class)
    void constantImageStaysConstant(ResizeMode mode) {
        byte[] in = new byte[37 * 23 * 4];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) (new int[] {0, 77, 200, 255}[i % 4]);
        }
        byte[] out = PillowResize.resize(in, 37, 23, 4, 11, 50, mode);
        assertEquals(11 * 50 * 4, out.length);
        for (int i = 0; i < out.length; i++) {
            assertEquals(in[i % 4], out[i], "sample " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(ResizeMode.class)
    void shrinkingAveragesAwayAlternatingColumns(ResizeMode mode) {
        // a 0/255 column pattern reduced 64 -> 4 wide is (antialiased) close to mid-grey, not aliased
        byte[] in = new byte[64 * 4];
        for (int i = 0; i < in.length; i++) {
            in[i] = (byte) (i % 2 == 0 ? 0 : 255);
        }
        byte[] out = PillowResize.resize(in, 64, 4, 1, 4, 4, mode);
        for (byte b : out) {
            assertTrue(Math.abs((b & 0xFF) - 127.5) < 8, "got " + (b & 0xFF));
        }
    }

    @Test
    void badArgumentsAreRejectedWithTheProblemNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PillowResize.resize(new byte[10], 2, 2, 3, 4, 4, ResizeMode.BICUBIC));
        assertTrue(e.getMessage().contains("expected 2x2x3 = 12"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PillowResize.resize(new byte[12], 2, 2, 3, 0, 4, ResizeMode.BICUBIC));
        assertTrue(e.getMessage().contains("positive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PillowResize.resize(new byte[20], 2, 2, 5, 4, 4, ResizeMode.BILINEAR));
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
    }
}
