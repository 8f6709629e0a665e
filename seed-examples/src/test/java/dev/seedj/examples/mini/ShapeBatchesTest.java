package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.seedj.core.train.DataPosition;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.train.TokenizerBatch;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class ShapeBatchesTest {
    private static final ShapesWorld WORLD = ShapesWorld.train(5);

    private static ShapeBatches batches(int size, boolean distinct) {
        return new ShapeBatches(WORLD, MiniSeedFiles.preprocessor(SeedMiniSettings.tokenizerConfig()), size, 200,
                distinct);
    }

    @Test
    void distinctBatchesNeverRepeatACaptionAndResumeExactly() {
        ShapeBatches source = batches(48, true);
        source.next();
        DataPosition saved = source.position();
        TokenizerBatch second = source.next();
        assertEquals(48, new HashSet<>(second.captions()).size());
        ShapeBatches resumed = batches(48, true);
        resumed.seek(saved);
        assertEquals(second.keys(), resumed.next().keys());
    }

    @Test
    void plainBatchesFollowSceneOrderAndGiveTheirPictures() {
        ShapeBatches source = batches(4, false);
        TokenizerBatch b = source.next();
        assertEquals(java.util.List.of("0", "1", "2", "3"), b.keys());
        assertEquals(WORLD.sample(2).caption(), b.captions().get(2));
        float[] pixels = source.canonicalPixelsOf(b);
        assertEquals(4 * 3 * 64 * 64, pixels.length);
        float[] third = PixelDecoder.toChw(CanonicalPicture.render(WORLD.scene(2)));
        int centre = 32 * 64 + 32;
        assertEquals(third[centre], pixels[2 * 3 * 64 * 64 + centre]);
        assertEquals(WORLD.scene(2).colour().red() / 255f, pixels[2 * 3 * 64 * 64 + centre], 1e-6,
                "the canonical picture's centre pixel is the shape's colour");
    }

    @Test
    void tooLargeDistinctBatchesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> batches(73, true));
    }
}
