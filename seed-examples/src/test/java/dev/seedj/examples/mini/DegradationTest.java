package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapesWorld;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The degradations' pixel arithmetic, test strengths and reproducible training draws. */
class DegradationTest {
    private static final int RED = 0xDC2828;

    private static BufferedImage uniform(int rgb, int side) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void fadeMovesEveryChannelTowardsWhite() {
        BufferedImage faded = Degradation.FADE.test(uniform(0x000000, 4), 0);
        assertEquals(0x999999, faded.getRGB(1, 1) & 0xFFFFFF, "black faded 60% is 153 grey");
        assertEquals(0xFFFFFF, Degradation.fade(uniform(0xFFFFFF, 4), 0.6).getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void tintBlendsTowardsTheCastOfTheSceneIndex() {
        BufferedImage white = uniform(0xFFFFFF, 4);
        // (255, 255, 255) 30% of the way to the cool cast (80, 150, 255) = (202.5, 223.5, 255), rounded half up
        assertEquals(0xCBE0FF, Degradation.TINT.test(white, 1).getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0xFFE6CB, Degradation.TINT.test(white, 4).getRGB(0, 0) & 0xFFFFFF, "index 4 cycles to warm");
        assertArrayEquals(pixels(white), pixels(Degradation.tint(white, 0x000000, 0.0)));
    }

    @Test
    void lowResolutionAveragesBlocks() {
        BufferedImage image = uniform(0x000000, 64);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 2; x++) {
                image.setRGB(x, y, 0xFFFFFF); // half of the top-left 4 x 4 block
            }
        }
        BufferedImage small = Degradation.LOW_RESOLUTION.test(image, 0);
        assertEquals(Degradation.TEST_SIDE, small.getWidth());
        assertEquals(Degradation.TEST_SIDE, small.getHeight());
        assertEquals(0x808080, small.getRGB(0, 0) & 0xFFFFFF, "mean of 8 white and 8 black pixels, 127.5 rounded");
        assertEquals(0x000000, small.getRGB(1, 0) & 0xFFFFFF);
    }

    @Test
    void blurKeepsUniformPicturesAndSpreadsEdges() {
        assertArrayEquals(pixels(uniform(RED, 16)), pixels(Degradation.blur(uniform(RED, 16), 2.0)));
        ShapeSample sample = ShapesWorld.test(7).sample(0);
        BufferedImage blurred = Degradation.BLUR.test(sample.image(), 0);
        long colours = java.util.Arrays.stream(pixels(blurred)).distinct().count();
        assertTrue(colours > 2, "a rendered picture has 2 colours, its blur " + colours);
    }

    @Test
    void trainingDrawsAreReproducibleAndVary() {
        BufferedImage image = ShapesWorld.train(7).sample(3).image();
        for (Degradation d : Degradation.values()) {
            int[] first = pixels(d.random(image, new SplittableRandom(11)));
            assertArrayEquals(first, pixels(d.random(image, new SplittableRandom(11))), d.word());
            java.util.Set<Integer> draws = new java.util.HashSet<>();
            for (int seed = 0; seed < 10; seed++) {
                draws.add(java.util.Arrays.hashCode(pixels(d.random(image, new SplittableRandom(seed)))));
            }
            assertTrue(draws.size() > 1, d.word() + " draws one strength only");
        }
    }

    @Test
    void badStrengthsAreRefused() {
        BufferedImage image = uniform(RED, 8);
        assertThrows(IllegalArgumentException.class, () -> Degradation.blur(image, 0));
        assertThrows(IllegalArgumentException.class, () -> Degradation.downscale(image, 9));
        assertThrows(IllegalArgumentException.class, () -> Degradation.fade(image, 1.5));
    }
}
