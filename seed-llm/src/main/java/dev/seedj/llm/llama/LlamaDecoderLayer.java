package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code LlamaDecoderLayer}, pre-norm: {@code h = x + self_attn(input_layernorm(x))},
 * {@code out = h + mlp(post_attention_layernorm(h))}.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class LlamaDecoderLayer extends SeedBlock {
    private final LlamaAttention selfAttn;
    private final LlamaMlp mlp;
    private final LlamaRmsNorm inputLayernorm;
    private final LlamaRmsNorm postAttentionLayernorm;

    /** @param config the architecture */
    LlamaDecoderLayer(LlamaConfig config) {
        this.selfAttn = declareChild("self_attn", new LlamaAttention(config));
        this.mlp = declareChild("mlp", new LlamaMlp(config));
        this.inputLayernorm = declareChild("input_layernorm", new LlamaRmsNorm(config.hiddenSize(), config.rmsNormEps()));
        this.postAttentionLayernorm = declareChild("post_attention_layernorm",
                new LlamaRmsNorm(config.hiddenSize(), config.rmsNormEps()));
    }

    /**
     * @param x [B, T, hidden]
     * @param cos rotary cos rows [B, 1, T, head_dim]
     * @param sin rotary sin rows [B, 1, T, head_dim]
     * @param mask additive mask [B, 1, T, past + T], or null
     * @param cache extended with this layer's keys and values, or null
     * @param index this layer's index in the cache
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache, int index) {
        NDArray h = x.add(selfAttn.forward(inputLayernorm.forward(x), cos, sin, mask, cache, index)); // [B, T, hidden]
        return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
    }

    /** @return the self-attention, {@code self_attn} */
    LlamaAttention selfAttn() {
        return selfAttn;
    }

    /** @return the feed-forward network, {@code mlp} */
    LlamaMlp mlp() {
        return mlp;
    }

    /** @return the norm before the attention, {@code input_layernorm} */
    LlamaRmsNorm inputLayernorm() {
        return inputLayernorm;
    }

    /** @return the norm before the feed-forward network, {@code post_attention_layernorm} */
    LlamaRmsNorm postAttentionLayernorm() {
        return postAttentionLayernorm;
    }
}
