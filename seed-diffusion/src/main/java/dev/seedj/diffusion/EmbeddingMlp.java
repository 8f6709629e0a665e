package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * Linear, SiLU, Linear: the UNet's timestep embedding (CompVis {@code time_embed.{0,2}}, diffusers
 * {@code time_embedding.linear_{1,2}}) and its class-label projection (CompVis {@code label_emb.0.{0,2}}, diffusers
 * {@code class_embedding.linear_{1,2}} with {@code class_embed_type: "projection"}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class EmbeddingMlp extends SeedBlock {
    private final Linear first;
    private final Linear second;

    /**
     * @param in input width
     * @param out output width (also the hidden width)
     * @param firstName state-dict name of the first layer
     * @param secondName state-dict name of the second layer
     */
    EmbeddingMlp(long in, long out, String firstName, String secondName) {
        this.first = declareChild(firstName, new Linear(in, out, true));
        this.second = declareChild(secondName, new Linear(out, out, true));
    }

    /**
     * @param x [B, in]
     * @return [B, out]
     */
    NDArray forward(NDArray x) {
        return second.forward(Silu.apply(first.forward(x)));
    }
}
