package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MultiHeadAttention;
import dev.seedj.core.nn.SeedBlock;

/**
 * One OPT decoder layer ({@code OPTDecoderLayer}): self-attention and a feed-forward network, each with a
 * residual connection, normalised before ({@code do_layer_norm_before}, 125m, 1.3b, ...) or after (350m)
 * the sub-layer.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class OptDecoderLayer extends SeedBlock {
    private final MultiHeadAttention selfAttn;
    private final LayerNorm selfAttnLayerNorm;
    private final Linear fc1;
    private final Linear fc2;
    private final LayerNorm finalLayerNorm;
    private final boolean layerNormBefore;
    private final ActivationFunction activation;

    /**
     * @param config the architecture
     */
    OptDecoderLayer(OptConfig config) {
        long d = config.hiddenSize();
        boolean bias = config.enableBias();
        this.selfAttn = declareChild("self_attn", new MultiHeadAttention(d, d, config.numHeads(),
                new MultiHeadAttention.Names("q_proj", "k_proj", "v_proj", "out_proj"), bias));
        this.selfAttnLayerNorm = declareChild("self_attn_layer_norm", new LayerNorm(d, OptConfig.LAYER_NORM_EPS));
        this.fc1 = declareChild("fc1", new Linear(d, config.ffnDim(), bias));
        this.fc2 = declareChild("fc2", new Linear(config.ffnDim(), d, bias));
        this.finalLayerNorm = declareChild("final_layer_norm", new LayerNorm(d, OptConfig.LAYER_NORM_EPS));
        this.layerNormBefore = config.layerNormBefore();
        this.activation = config.activation();
    }

    /**
     * @param x [B, T, hidden]
     * @param mask additive attention mask [B, 1, T, Tpast + T], or null when nothing is masked
     * @param cache extended with this layer's keys and values, or null
     * @param index this layer's index in the cache
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x, NDArray mask, KvCache cache, int index) {
        NDArray residual = x;
        NDArray h = layerNormBefore ? selfAttnLayerNorm.forward(x) : x;
        h = residual.add(selfAttn.forward(h, null, mask, cache, index)); // [B, T, hidden]
        if (!layerNormBefore) {
            h = selfAttnLayerNorm.forward(h);
        }
        residual = h;
        NDArray f = layerNormBefore ? finalLayerNorm.forward(h) : h;
        f = fc2.forward(activation.apply(fc1.forward(f))); // [B, T, ffn] -> [B, T, hidden]
        h = residual.add(f);
        return layerNormBefore ? h : finalLayerNorm.forward(h);
    }

    /** @return the self-attention, {@code self_attn} */
    MultiHeadAttention selfAttn() {
        return selfAttn;
    }

    /** @return the layer norm of the attention sub-layer, {@code self_attn_layer_norm} */
    LayerNorm selfAttnLayerNorm() {
        return selfAttnLayerNorm;
    }

    /** @return the feed-forward network's first layer, {@code fc1} */
    Linear fc1() {
        return fc1;
    }

    /** @return the feed-forward network's second layer, {@code fc2} */
    Linear fc2() {
        return fc2;
    }

    /** @return the layer norm of the feed-forward sub-layer, {@code final_layer_norm} */
    LayerNorm finalLayerNorm() {
        return finalLayerNorm;
    }
}
