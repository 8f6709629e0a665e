package dev.seedj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.seedj.examples.mini.PixelDecoder;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedMiniPictureDecoderProviderTest {

    @Test
    void drawsWhatTheSavedPixelDecoderDraws(@TempDir Path dir) {
        float[][] embeddings = new float[1][16];
        Random random = new Random(3);
        for (int i = 0; i < 16; i++) {
            embeddings[0][i] = (float) random.nextGaussian();
        }
        BufferedImage expected;
        try (NDManager manager = NDManager.newBaseManager()) {
            PixelDecoder decoder = new PixelDecoder(16, new int[] {8, 8, 4, 4});
            decoder.initializeParameters(manager);
            decoder.save(dir);
            expected = decoder.draw(embeddings[0], manager);
        }
        try (PictureDecoder decoder = new SeedMiniPictureDecoderProvider().open(dir).orElseThrow()) {
            BufferedImage actual = decoder.decode(embeddings);
            assertEquals(PixelDecoder.SIZE, actual.getWidth());
            for (int y = 0; y < PixelDecoder.SIZE; y++) {
                for (int x = 0; x < PixelDecoder.SIZE; x++) {
                    assertEquals(expected.getRGB(x, y), actual.getRGB(x, y), "pixel " + x + "," + y);
                }
            }
        }
    }

    @Test
    void otherModelsHaveNone(@TempDir Path dir) {
        assertTrue(new SeedMiniPictureDecoderProvider().open(dir).isEmpty());
    }
}
