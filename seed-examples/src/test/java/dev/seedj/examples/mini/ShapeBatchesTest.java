package dev.seedj.examples.mini;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.seedj.core.train.DataPosition;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.train.TokenizerBatch;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class ShapeBatchesTest {
    private static final ShapesWorld WORLD = ShapesWorld.train(5);

    private static ShapeBatches batches(int size, boolean distinct) {
        return batches(size, distinct, 0);
    }

    private static ShapeBatches batches(int size, boolean distinct, double degradedShare) {
        return new ShapeBatches(WORLD, MiniSeedFiles.preprocessor(SeedMiniSettings.tokenizerConfig()), size, 200,
                distinct, degradedShare);
    }

    /** @return how many of the batch's pictures differ from their scene's rendered picture */
    private static int degradedIn(TokenizerBatch batch) {
        float[] pixels = batch.pixels();
        int per = pixels.length / batch.size();
        float[] rendered = new float[pixels.length];
        for (int i = 0; i < batch.size(); i++) {
            float[] chw = MiniSeedFiles.preprocessor(SeedMiniSettings.tokenizerConfig())
                    .toCHW(WORLD.sample(Long.parseLong(batch.keys().get(i))).image());
            System.arraycopy(chw, 0, rendered, i * per, per);
        }
        int differing = 0;
        for (int i = 0; i < batch.size(); i++) {
            if (!Arrays.equals(pixels, i * per, (i + 1) * per, rendered, i * per, (i + 1) * per)) {
                differing++;
            }
        }
        return differing;
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
    void aDegradedShareChangesPicturesButKeepsScenesCaptionsAndTargets() {
        TokenizerBatch clean = batches(48, true, 0).next();
        TokenizerBatch half = batches(48, true, 0.5).next();
        assertEquals(clean.keys(), half.keys());
        assertEquals(clean.captions(), half.captions());
        ShapeBatches source = batches(48, true, 0.5);
        assertArrayEquals(source.canonicalPixelsOf(clean), source.canonicalPixelsOf(half),
                "stage 2's target stays the clean canonical picture");
        assertEquals(0, degradedIn(clean));
        int degraded = degradedIn(half);
        assertTrue(degraded >= 12 && degraded <= 36, degraded + " of 48 pictures degraded at share 0.5");
        assertEquals(48, degradedIn(batches(48, true, 1).next()));
    }

    @Test
    void degradedPicturesAreTheSameOnEveryRun() {
        TokenizerBatch first = batches(16, false, 0.5).next();
        TokenizerBatch second = batches(16, false, 0.5).next();
        assertArrayEquals(first.pixels(), second.pixels());
        ShapeBatches source = batches(16, false, 1);
        BufferedImage rendered = WORLD.sample(3).image();
        BufferedImage picture = source.picture(3, rendered);
        assertFalse(Arrays.equals(rendered.getRGB(0, 0, 64, 64, null, 0, 64),
                picture.getRGB(0, 0, picture.getWidth(), picture.getHeight(), null, 0, picture.getWidth())));
        assertSame(rendered, batches(16, false, 0).picture(3, rendered), "share 0 gives the rendered picture");
    }

    @Test
    void aShareOutsideZeroToOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> batches(4, false, 1.5));
        assertThrows(IllegalArgumentException.class, () -> batches(4, false, Double.NaN));
    }

    @Test
    void tooLargeDistinctBatchesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> batches(73, true));
    }
}
