package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * One micro-batch of tokenizer training: preprocessed images, their captions and their dataset keys (which
 * {@link GenerationTargets} look targets up by).
 *
 * <p>Immutable by convention and thread-safe: the pixel array is shared, not copied; do not modify it.
 *
 * @param keys the examples' dataset keys, [B]
 * @param captions the examples' captions, [B]
 * @param pixels normalised pixels, row-major [B, 3, S, S]
 * @param imageSize S
 */
public record TokenizerBatch(List<String> keys, List<String> captions, float[] pixels, int imageSize) {

    /**
     * Checks the sizes agree.
     *
     * @param keys the examples' dataset keys, [B]
     * @param captions the examples' captions, [B]
     * @param pixels normalised pixels, row-major [B, 3, S, S]
     * @param imageSize S
     */
    public TokenizerBatch {
        keys = List.copyOf(keys);
        captions = List.copyOf(captions);
        if (keys.isEmpty() || keys.size() != captions.size()
                || pixels.length != (long) keys.size() * 3 * imageSize * imageSize) {
            throw new IllegalArgumentException("a batch needs B >= 1 keys, B captions and B x 3 x " + imageSize
                    + " x " + imageSize + " pixels; got " + keys.size() + ", " + captions.size() + ", "
                    + pixels.length);
        }
    }

    /** @return the batch size B */
    public int size() {
        return keys.size();
    }

    /**
     * @param manager owns the result
     * @return the pixels as float32 [B, 3, S, S]
     */
    public NDArray pixels(NDManager manager) {
        return manager.create(pixels, new Shape(size(), 3, imageSize, imageSize));
    }
}
