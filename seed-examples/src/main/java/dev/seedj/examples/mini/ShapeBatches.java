package dev.seedj.examples.mini;

import dev.seedj.core.image.ImagePreprocessor;
import dev.seedj.core.train.BatchSource;
import dev.seedj.core.train.DataPosition;
import dev.seedj.examples.shapes.ShapeSample;
import dev.seedj.examples.shapes.ShapesWorld;
import dev.seedj.tokenizer.train.TokenizerBatch;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Tokenizer training batches drawn straight from a shapes-64 world, in scene order: batch {@code n} holds scenes
 * {@code n B .. n B + B - 1} of a pool of {@code poolSize} training scenes (the pool repeats once used up, one pass
 * being an epoch). Each picture is preprocessed as the tokenizer's config says; the key of an example is its scene
 * index, which {@link #canonicalPixelsOf} turns into the pixel decoder's target. With {@code distinctCaptions}, a scene
 * whose caption is already in the batch is skipped (it still counts as consumed): the contrastive loss of stage 1
 * then never treats a picture's own caption text as a negative (the world has only 72 captions, so a batch of 48
 * random scenes would repeat some).
 *
 * <p>A share of the pictures is {@link Degradation degraded} ({@link #picture}): whether scene {@code i} is, which
 * degradation it gets and at what strength ({@link Degradation#random}) are drawn by a generator seeded from the
 * scene's own seed, so a rerun sees the same pictures. The caption and the key stay the scene's: stage 1 learns that a
 * degraded picture has the same caption, and stage 2's pixel target ({@link #canonicalPixelsOf}) stays the clean
 * canonical picture.
 *
 * <p>Not thread-safe; the training loop calls it from one thread.
 */
public final class ShapeBatches implements BatchSource<TokenizerBatch> {
    /** Distinct captions of the world: 3 shapes x 6 colours x 2 sizes x 2 backgrounds. */
    static final int CAPTIONS = 72;
    /** Mixed into a scene's seed to seed its degradation's generator (differs from the scene's own draws). */
    private static final long DEGRADATION_SALT = 0xB1D5_5EED_0DE6L;
    private final ShapesWorld world;
    private final ImagePreprocessor preprocessor;
    private final int batchSize;
    private final int poolSize;
    private final boolean distinctCaptions;
    private final double degradedShare;
    private long consumed;

    /**
     * @param world the training world
     * @param preprocessor the tokenizer's preprocessing
     * @param batchSize examples per batch
     * @param poolSize distinct scenes cycled through, at least {@code batchSize}
     * @param distinctCaptions whether a batch holds each caption at most once (then at most 72 examples)
     * @param degradedShare the expected share of degraded pictures, 0 (every picture as rendered) .. 1 (all
     *     degraded)
     */
    public ShapeBatches(ShapesWorld world, ImagePreprocessor preprocessor, int batchSize, int poolSize,
            boolean distinctCaptions, double degradedShare) {
        if (batchSize < 1 || poolSize < batchSize) {
            throw new IllegalArgumentException("need 1 <= batch size <= pool size, got " + batchSize + " and "
                    + poolSize);
        }
        if (distinctCaptions && batchSize > CAPTIONS) {
            throw new IllegalArgumentException("a batch of distinct captions holds at most " + CAPTIONS
                    + " examples, got " + batchSize);
        }
        if (!(degradedShare >= 0 && degradedShare <= 1)) {
            throw new IllegalArgumentException("degraded share must be in [0, 1], got " + degradedShare);
        }
        this.distinctCaptions = distinctCaptions;
        this.degradedShare = degradedShare;
        this.world = world;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
        this.poolSize = poolSize;
    }

    @Override
    public TokenizerBatch next() {
        int s = preprocessor.size();
        int per = 3 * s * s;
        float[] pixels = new float[batchSize * per];
        List<String> keys = new ArrayList<>(batchSize);
        List<String> captions = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
            long index = consumed++ % poolSize;
            ShapeSample sample = world.sample(index);
            if (distinctCaptions && captions.contains(sample.caption())) {
                i--;
                continue;
            }
            System.arraycopy(preprocessor.toCHW(picture(index, sample.image())), 0, pixels, i * per, per); // [3, S, S]
            keys.add(Long.toString(index));
            captions.add(sample.caption());
        }
        return new TokenizerBatch(keys, captions, pixels, s);
    }

    /**
     * @param index a scene index of the pool
     * @param rendered the scene's rendered picture
     * @return the picture the batches give for the scene: the rendered one or, for a share {@code degradedShare} of
     *     the scenes, the rendered one through a degradation kind drawn uniformly, at a {@link Degradation#random}
     *     strength
     */
    public BufferedImage picture(long index, BufferedImage rendered) {
        SplittableRandom random = new SplittableRandom(world.sceneSeed(index) ^ DEGRADATION_SALT);
        if (random.nextDouble() >= degradedShare) {
            return rendered;
        }
        Degradation kind = Degradation.values()[random.nextInt(Degradation.values().length)];
        return kind.random(rendered, random);
    }

    /**
     * @param batch a batch of this source
     * @return the {@link CanonicalPicture}s of its scenes as RGB in [0, 1], [B * 3 * 64 * 64] row-major (the
     *     pixel decoder's target)
     */
    public float[] canonicalPixelsOf(TokenizerBatch batch) {
        int per = 3 * PixelDecoder.SIZE * PixelDecoder.SIZE;
        float[] out = new float[batch.size() * per];
        for (int i = 0; i < batch.size(); i++) {
            float[] chw = PixelDecoder.toChw(CanonicalPicture.render(world.scene(Long.parseLong(batch.keys().get(i)))));
            System.arraycopy(chw, 0, out, i * per, per);
        }
        return out;
    }

    /**
     * @param batch a batch of this source
     * @return the {@link CanonicalPicture#boxMask}s of its scenes, [B * 64 * 64] row-major
     */
    public float[] canonicalBoxesOf(TokenizerBatch batch) {
        int per = PixelDecoder.SIZE * PixelDecoder.SIZE;
        float[] out = new float[batch.size() * per];
        for (int i = 0; i < batch.size(); i++) {
            float[] mask = CanonicalPicture.boxMask(world.scene(Long.parseLong(batch.keys().get(i))));
            System.arraycopy(mask, 0, out, i * per, per);
        }
        return out;
    }

    @Override
    public DataPosition position() {
        return new DataPosition(consumed / poolSize, consumed % poolSize);
    }

    @Override
    public void seek(DataPosition position) {
        if (position.offset() >= poolSize) {
            throw new IllegalArgumentException("offset " + position.offset() + " is beyond the pool of " + poolSize);
        }
        consumed = position.epoch() * poolSize + position.offset();
    }
}
