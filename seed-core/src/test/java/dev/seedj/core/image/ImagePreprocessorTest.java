package dev.seedj.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Configuration, layout and argument checks of {@link ImagePreprocessor}. */
class ImagePreprocessorTest {

    private static void assertRejected(Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void defaultsAreClipMeanAndStdInFloat32() {
        ImagePreprocessor pre = new ImagePreprocessor(224, ResizeMode.BICUBIC);
        assertEquals(224, pre.size());
        assertEquals(ResizeMode.BICUBIC, pre.mode());
        assertArrayEquals(new float[] {0.48145466f, 0.4578275f, 0.40821073f}, pre.mean(), 0f);
        assertArrayEquals(new float[] {0.26862954f, 0.26130258f, 0.27577711f}, pre.std(), 0f);
    }

    @Test
    void customNormalizationIsApplied() {
        BufferedImage white = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                white.setRGB(x, y, 0xFF8000); // (255, 128, 0)
            }
        }
        ImagePreprocessor pre = new ImagePreprocessor(2, ResizeMode.BILINEAR,
                new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.25, 2});
        float[] chw = pre.toCHW(white);
        float[] want = new float[12];
        Arrays.fill(want, 0, 4, 1f);                          // (1 - 0.5) / 0.5
        Arrays.fill(want, 4, 8, (128 / 255f - 0.5f) / 0.25f);
        Arrays.fill(want, 8, 12, -0.25f);                     // (0 - 0.5) / 2
        assertArrayEquals(want, chw, 0f);
    }

    @Test
    void batchStacksInListOrder() {
        BufferedImage black = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        BufferedImage red = new BufferedImage(7, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 7; x++) {
                red.setRGB(x, y, 0xFF0000);
            }
        }
        ImagePreprocessor pre = new ImagePreprocessor(3, ResizeMode.BICUBIC);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray batch = pre.preprocess(List.of(red, black), manager);
            assertEquals(new Shape(2, 3, 3, 3), batch.getShape());
            assertArrayEquals(pre.toCHW(red), batch.get(0).toFloatArray(), 0f);
            assertArrayEquals(pre.toCHW(black), batch.get(1).toFloatArray(), 0f);
            assertEquals((1f - 0.48145466f) / 0.26862954f, batch.getFloat(0, 0, 1, 1), 0f);
        }
    }

    @Test
    void badConfigurationIsRejected() {
        assertRejected(() -> new ImagePreprocessor(0, ResizeMode.BICUBIC), "size must be positive");
        assertRejected(() -> new ImagePreprocessor(8, ResizeMode.BICUBIC, new double[] {0.5, 0.5},
                new double[] {1, 1, 1}), "mean needs 3 values");
        assertRejected(() -> new ImagePreprocessor(8, ResizeMode.BICUBIC, new double[] {0.5, 0.5, 0.5},
                new double[] {1, 0, 1}), "std must be non-zero");
        assertRejected(() -> new ImagePreprocessor(8, ResizeMode.BICUBIC, new double[] {0.5, Double.NaN, 0.5},
                new double[] {1, 1, 1}), "mean must be finite");
    }

    @Test
    void badBatchesAreRejected() {
        ImagePreprocessor pre = new ImagePreprocessor(8, ResizeMode.BILINEAR);
        BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertRejected(() -> pre.preprocess(List.of(), manager), "at least one image");
            assertRejected(() -> pre.preprocess(Arrays.asList(image, null), manager), "images[1] is null");
        }
    }
}
