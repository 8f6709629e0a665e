package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.examples.shapes.ShapesWorld;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelDecoderTest {

    @Test
    void drawsRgbInTheUnitRangeAndReloadsToTheSamePicture(@TempDir Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            PixelDecoder decoder = new PixelDecoder(16, new int[] {8, 8, 4, 4});
            decoder.initializeParameters(manager);
            NDArray out = decoder.forward(manager.randomNormal(new Shape(2, 16))); // [2, 3, 64, 64]
            assertEquals(new Shape(2, 3, 64, 64), out.getShape());
            float min = out.min().getFloat();
            float max = out.max().getFloat();
            assertTrue(min > 0 && max < 1, "sigmoid output in (0, 1): " + min + " .. " + max);

            float[] embedding = new float[16];
            embedding[3] = 1.5f;
            BufferedImage before = decoder.draw(embedding, manager);
            decoder.save(dir);
            assertTrue(PixelDecoder.existsIn(dir));
            PixelDecoder loaded = PixelDecoder.load(dir, manager);
            BufferedImage after = loaded.draw(embedding, manager);
            assertArrayEquals(before.getRGB(0, 0, 64, 64, null, 0, 64), after.getRGB(0, 0, 64, 64, null, 0, 64));
            assertThrows(IllegalArgumentException.class, () -> loaded.draw(new float[15], manager));
        }
    }

    @Test
    void missingOrMalformedFilesAreRefusedByName(@TempDir Path dir) throws Exception {
        assertFalse(PixelDecoder.existsIn(dir));
        Files.writeString(dir.resolve(PixelDecoder.CONFIG_FILE), "{\"input_dim\": 4}");
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PixelDecoder.load(dir, manager));
            assertTrue(e.getMessage().contains(PixelDecoder.CONFIG_FILE), e.getMessage());
        }
    }

    @Test
    void picturesRoundTripThroughTheTargetLayout() {
        BufferedImage image = ShapesWorld.test(1).sample(0).image();
        BufferedImage back = PixelDecoder.toImage(PixelDecoder.toChw(image));
        assertArrayEquals(image.getRGB(0, 0, 64, 64, null, 0, 64), back.getRGB(0, 0, 64, 64, null, 0, 64));
    }
}
