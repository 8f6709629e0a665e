package dev.seedj.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;

/** Compares pictures with a fixture's uint8 [B, H, W, 3] array. */
final class Pictures {
    private Pictures() {}

    static void assertPixelsEqual(String what, long[] expectedBhwc, BufferedImage[] images) {
        int i = 0;
        int differing = 0;
        String first = null;
        for (int b = 0; b < images.length; b++) {
            BufferedImage image = images[b];
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y);
                    int[] channels = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
                    for (int c = 0; c < 3; c++, i++) {
                        if (channels[c] != expectedBhwc[i]) {
                            differing++;
                            if (first == null) {
                                first = "image " + b + " (" + x + ", " + y + ") channel " + c + ": " + channels[c]
                                        + " instead of " + expectedBhwc[i];
                            }
                        }
                    }
                }
            }
        }
        assertEquals(expectedBhwc.length, i, what + ": element count");
        assertEquals(0, differing, what + ": " + differing + " values differ, first " + first);
    }
}
