package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;
import java.util.ArrayList;
import java.util.List;

/**
 * The OPT decoder ({@code OPTDecoder}): token embeddings, learned positions (offset by two rows),
 * the optional {@code project_in}, the decoder layers, the optional {@code final_layer_norm} and
 * {@code project_out}.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class OptDecoder extends SeedBlock {
    static final String PREFIX = "model.decoder";

    private final Embedding embedTokens;
    private final Embedding embedPositions;
    private final Linear projectIn;
    private final Linear projectOut;
    private final LayerNorm finalLayerNorm;
    private final List<OptDecoderLayer> layers = new ArrayList<>();

    /**
     * @param config the architecture
     * @param linears creates the linear layers
     */
    OptDecoder(OptConfig config, LinearFactory linears) {
        long d = config.hiddenSize();
        long proj = config.wordEmbedProjDim();
        this.embedTokens = declareChild("embed_tokens", new Embedding(config.vocabSize(), proj));
        this.embedPositions = declareChild("embed_positions",
                new Embedding(config.maxPositions() + OptConfig.POSITION_OFFSET, d));
        this.projectOut = config.hasProjections()
                ? declareChild("project_out", linears.create(PREFIX + ".project_out", d, proj, false))
                : null;
        this.projectIn = config.hasProjections()
                ? declareChild("project_in", linears.create(PREFIX + ".project_in", proj, d, false))
                : null;
        this.finalLayerNorm = config.hasFinalLayerNorm()
                ? declareChild("final_layer_norm", new LayerNorm(d, OptConfig.LAYER_NORM_EPS))
                : null;
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(declareChild("layers." + i, new OptDecoderLayer(config, PREFIX + ".layers." + i, linears)));
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
        for (int i = 0; i < layers.size(); i++) {
            OptDecoderLayer layer = layers.get(i);
            int index = i;
            // each layer's intermediates are freed as soon as it is done (not while autograd records)
            h = ArrayScopes.layer(h, x -> layer.forward(x, mask, cache, index), borrowed);
        }
        if (finalLayerNorm != null) {
            h = finalLayerNorm.forward(h);
        }
        return projectOut == null ? h : projectOut.forward(h); // [B, T, proj]
    }

    /** @return the token embeddings, [vocab, word_embed_proj_dim] */
    Embedding embedTokens() {
        return embedTokens;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 2 ? inputs.get(2) : null;
        return new NDList(forward(inputs.get(0), inputs.get(1), mask, null));
    }
}
