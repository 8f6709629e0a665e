package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The OPT decoder ({@code OPTDecoder}): token embeddings, learned positions (offset by two rows),
 * the optional {@code project_in}, the decoder layers, the optional {@code final_layer_norm} and
 * {@code project_out}.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class OptDecoder extends SeedBlock {
    private final Embedding embedTokens;
    private final Embedding embedPositions;
    private final Linear projectIn;
    private final Linear projectOut;
    private final LayerNorm finalLayerNorm;
    private final List<OptDecoderLayer> layers = new ArrayList<>();

    /**
     * @param config the architecture
     */
    OptDecoder(OptConfig config) {
        long d = config.hiddenSize();
        long proj = config.wordEmbedProjDim();
        this.embedTokens = declareChild("embed_tokens", new Embedding(config.vocabSize(), proj));
        this.embedPositions = declareChild("embed_positions",
                new Embedding(config.maxPositions() + OptConfig.POSITION_OFFSET, d));
        this.projectOut = config.hasProjections()
                ? declareChild("project_out", new Linear(d, proj, false))
                : null;
        this.projectIn = config.hasProjections()
                ? declareChild("project_in", new Linear(proj, d, false))
                : null;
        this.finalLayerNorm = config.hasFinalLayerNorm()
                ? declareChild("final_layer_norm", new LayerNorm(d, OptConfig.LAYER_NORM_EPS))
                : null;
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(declareChild("layers." + i, new OptDecoderLayer(config)));
        }
    }

    /**
     * @param ids int64 [B, T] token ids
     * @param positions int64 [B, T] rows of the position table (already offset by two)
     * @param mask additive attention mask [B, 1, T, Tpast + T], or null when nothing is masked
     * @param cache extended with every layer's keys and values, or null
     * @return the last hidden state [B, T, word_embed_proj_dim]
     */
    NDArray forward(NDArray ids, NDArray positions, NDArray mask, KvCache cache) {
        NDArray h = embedTokens.forward(ids); // [B, T, proj]
        if (projectIn != null) {
            h = projectIn.forward(h); // [B, T, hidden]
        }
        h = h.add(embedPositions.forward(positions)); // [B, T, hidden]
        NDArray[] borrowed = mask == null ? new NDArray[0] : new NDArray[] {mask};
        List<UnaryOperator<NDArray>> steps = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            OptDecoderLayer layer = layers.get(i);
            int index = i;
            steps.add(x -> layer.forward(x, mask, cache, index));
        }
        // each layer's intermediates are freed as soon as it is done, each hidden state once the next is computed
        NDArray out = ArrayScopes.chain(h, steps, null, borrowed);
        if (out != h) {
            h.close(); // created here
        }
        h = out;
        if (finalLayerNorm != null) {
            h = finalLayerNorm.forward(h);
        }
        return projectOut == null ? h : projectOut.forward(h); // [B, T, proj]
    }

    /** @return the token embeddings, [vocab, word_embed_proj_dim] */
    Embedding embedTokens() {
        return embedTokens;
    }

    /** @return the learned positions, [max_position_embeddings + 2, hidden] */
    Embedding embedPositions() {
        return embedPositions;
    }

    /** @return {@code project_in} (word_embed_proj_dim to hidden), or null */
    Linear projectIn() {
        return projectIn;
    }

    /** @return {@code project_out} (hidden to word_embed_proj_dim), or null */
    Linear projectOut() {
        return projectOut;
    }

    /** @return the final layer norm, or null */
    LayerNorm finalLayerNorm() {
        return finalLayerNorm;
    }

    /** @return the decoder layers, in order */
    List<OptDecoderLayer> layers() {
        return List.copyOf(layers);
    }
}
