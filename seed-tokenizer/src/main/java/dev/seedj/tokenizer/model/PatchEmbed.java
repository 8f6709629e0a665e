package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.Conv2d;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;

/**
 * EVA's patch embedding: a {@code patch x patch} convolution with stride {@code patch} ({@code proj}),
 * flattened row-major into a sequence of patch tokens.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class PatchEmbed extends SeedBlock {
    private final Conv2d proj;

    /**
     * @param patchSize side of a square patch, in pixels
     * @param width embedding width
     */
    public PatchEmbed(int patchSize, long width) {
        this.proj = declareChild("proj", new Conv2d(3, width, patchSize, patchSize, 0, ParameterInit.WEIGHT));
    }

    /**
     * @param pixels [B, 3, S, S]
     * @return [B, (S / patch)^2, width], patches in row-major order
     */
    public NDArray forward(NDArray pixels) {
        NDArray maps = proj.forward(pixels); // [B, width, S / p, S / p]
        Shape s = maps.getShape();
        return maps.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1); // [B, N, width]
    }
}
