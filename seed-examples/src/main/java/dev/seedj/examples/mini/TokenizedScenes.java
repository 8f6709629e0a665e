package dev.seedj.examples.mini;

import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapeScene;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.SeedTokenizer;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training scenes {@code 0 .. n - 1} of a world, each tokenized twice: as rendered ({@link #clean}) and through one
 * {@link Degradation} ({@link #degraded}): scene {@code i} gets degradation {@code i mod 4} at a strength drawn from
 * its training range by a generator seeded from the scene's own seed, so a rerun sees the same pictures.
 *
 * <p>Immutable and thread-safe (the lists are not copied: do not change them).
 *
 * @param scenes the scenes
 * @param clean codes of each rendered picture
 * @param degraded codes of each degraded picture (empty if only the rendered pictures were tokenized)
 */
public record TokenizedScenes(List<ShapeScene> scenes, List<int[]> clean, List<int[]> degraded) {
    /** Mixed into a scene's seed to seed its degradation's generator (differs from the scene's own draws). */
    private static final long DEGRADATION_SALT = 0x5EEDD15EA5EL;
    private static final int CHUNK = 64;

    /**
     * @param world the training world
     * @param index a scene index
     * @param rendered the scene's rendered picture
     * @return the degraded picture of scene {@code index}, as {@link #tokenize} makes it
     */
    public static BufferedImage degradedPicture(ShapesWorld world, long index, BufferedImage rendered) {
        Degradation kind = Degradation.values()[(int) (index % Degradation.values().length)];
        return kind.random(rendered, new SplittableRandom(world.sceneSeed(index) ^ DEGRADATION_SALT));
    }

    /**
     * @param images the SEED-mini tokenizer
     * @param world the training world
     * @param count how many scenes, from index 0
     * @param withDegraded whether to tokenize the degraded pictures too (else {@link #degraded} is empty)
     * @return the scenes with their codes
     */
    public static TokenizedScenes tokenize(SeedTokenizer images, ShapesWorld world, int count, boolean withDegraded) {
        List<ShapeScene> scenes = new ArrayList<>(count);
        List<int[]> clean = new ArrayList<>(count);
        List<int[]> degraded = new ArrayList<>(count);
        List<BufferedImage> cleanChunk = new ArrayList<>(CHUNK);
        List<BufferedImage> degradedChunk = new ArrayList<>(CHUNK);
        for (int i = 0; i < count; i++) {
            ShapeSample sample = world.sample(i);
            scenes.add(sample.scene());
            cleanChunk.add(sample.image());
            if (withDegraded) {
                degradedChunk.add(degradedPicture(world, i, sample.image()));
            }
            if (cleanChunk.size() == CHUNK || i == count - 1) {
                clean.addAll(List.of(images.tokenize(cleanChunk)));
                if (withDegraded) {
                    degraded.addAll(List.of(images.tokenize(degradedChunk)));
                }
                cleanChunk.clear();
                degradedChunk.clear();
            }
        }
        return new TokenizedScenes(scenes, clean, degraded);
    }

    /** @return the number of scenes */
    public int size() {
        return scenes.size();
    }
}
