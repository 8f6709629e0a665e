package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.AttentionMath;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code LlamaAttention}: bias-free {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}; rotary
 * embeddings on queries and keys; grouped-query attention when {@code num_key_value_heads < num_attention_heads}
 * (each key/value head serves {@code heads / kv_heads} query heads, {@code repeat_kv}); scores
 * {@code q k^T / sqrt(head_dim)} plus the additive mask, float32 softmax. The cache keeps the post-rotary keys
 * and the values of the key/value heads (before {@code repeat_kv}), as Hugging Face's {@code past_key_value}.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class LlamaAttention extends SeedBlock {
    private final int numHeads;
    private final int numKeyValueHeads;
    private final float scale;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    /** @param config the architecture */
    LlamaAttention(LlamaConfig config) {
        long d = config.hiddenSize();
        long kvWidth = (long) config.numKeyValueHeads() * config.headDim();
        this.numHeads = config.numHeads();
        this.numKeyValueHeads = config.numKeyValueHeads();
        this.scale = (float) (1.0 / Math.sqrt(config.headDim()));
        this.qProj = declareChild("q_proj", new Linear(d, d, false));
        this.kProj = declareChild("k_proj", new Linear(d, kvWidth, false));
        this.vProj = declareChild("v_proj", new Linear(d, kvWidth, false));
        this.oProj = declareChild("o_proj", new Linear(d, d, false));
    }

    /**
     * @param x [B, T, hidden]
     * @param cos rotary cos rows [B, 1, T, head_dim]
     * @param sin rotary sin rows [B, 1, T, head_dim]
     * @param mask additive mask [B, 1, T, past + T], or null when nothing is masked
     * @param cache extended with this layer's keys and values, or null
     * @param layer this layer's index in the cache
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, KvCache cache, int layer) {
        NDArray q = AttentionMath.splitHeads(qProj.forward(x), numHeads); // [B, H, T, D]
        NDArray k = AttentionMath.splitHeads(kProj.forward(x), numKeyValueHeads); // [B, KV, T, D]
        NDArray v = AttentionMath.splitHeads(vProj.forward(x), numKeyValueHeads); // [B, KV, T, D]
        q = LlamaRotaryEmbedding.apply(q, cos, sin);
        k = LlamaRotaryEmbedding.apply(k, cos, sin);
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v); // [B, KV, past + T, D], owned by the cache
            k = kv[0];
            v = kv[1];
        }
        k = repeatKv(k, q);
        v = repeatKv(v, q);
        NDArray attended = AttentionMath.attend(q, k, v, mask, scale); // [B, H, T, D]
        return oProj.forward(AttentionMath.mergeHeads(attended)); // [B, T, hidden]
    }

    /**
     * {@code repeat_kv}: key/value head {@code g} serves query heads {@code g * n .. g * n + n - 1}.
     *
     * @param kv [B, KV, S, D]
     * @param activation an array of this pass (the copy belongs to its manager, not to the cache's)
     * @return [B, H, S, D] ({@code kv} itself when every query head has its own key/value head)
     */
    private NDArray repeatKv(NDArray kv, NDArray activation) {
        int groups = numHeads / numKeyValueHeads;
        if (groups == 1) {
            return kv;
        }
        long[] s = kv.getShape().getShape();
        // a view of a cached array lands in the cache's manager: move it before deriving more from it
        NDArray grouped = ArrayScopes.adopt(kv.expandDims(2), activation); // [B, KV, 1, S, D]
        return grouped.repeat(2, groups).reshape(s[0], numHeads, s[2], s[3]); // [B, H, S, D]
    }

    /** @return {@code q_proj} */
    Linear qProj() {
        return qProj;
    }

    /** @return {@code k_proj} */
    Linear kProj() {
        return kProj;
    }

    /** @return {@code v_proj} */
    Linear vProj() {
        return vProj;
    }

    /** @return {@code o_proj} */
    Linear oProj() {
        return oProj;
    }

    /** @return the factor the scores are multiplied by, {@code head_dim^-0.5} */
    float scale() {
        return scale;
    }
}
