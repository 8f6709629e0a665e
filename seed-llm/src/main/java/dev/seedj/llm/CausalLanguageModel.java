package dev.seedj.llm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.KvCache;

/**
 * What autoregressive generation ({@link dev.seedj.llm.generation.Generator}) needs from a decoder-only language
 * model: its vocabulary and context sizes, its special tokens, and one cached step. Implemented by
 * {@link OptModel} and {@link dev.seedj.llm.llama.LlamaModel}.
 *
 * <p>Implementations state their own thread-safety; a step with one {@link KvCache} belongs to one generation.
 */
public interface CausalLanguageModel {

    /** @return the number of token ids (rows of the output logits) */
    int vocabSize();

    /** @return the longest sequence (prompt plus new tokens) the model is meant to run */
    int maxPositions();

    /** @return the token fed to rows that have finished (Hugging Face's {@code pad_token_id}) */
    int padTokenId();

    /** @return the token that ends a generation by default ({@code eos_token_id}) */
    int eosTokenId();

    /** @return the device the weights live on */
    Device device();

    /**
     * @param parent the manager under which the cache keeps its arrays
     * @return an empty cache for one generation with this model
     */
    KvCache newCache(NDManager parent);

    /**
     * One incremental step: runs the new tokens against the cache, appends their keys and values to it, and
     * returns the logits of the last new position.
     *
     * @param newIds [B][T] the tokens not yet in the cache (the whole prompt on the first step)
     * @param attentionMask [B][cached + T] the mask of everything so far (1 real, 0 padding)
     * @param cache the cache of this generation, from {@link #newCache}
     * @param manager owns the result
     * @return float32 [B, vocab]
     */
    NDArray nextLogits(long[][] newIds, long[][] attentionMask, KvCache cache, NDManager manager);
}
