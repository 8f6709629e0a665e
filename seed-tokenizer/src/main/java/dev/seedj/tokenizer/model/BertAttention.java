package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MultiHeadAttention;
import dev.seedj.core.nn.SeedBlock;

/**
 * BERT's post-LayerNorm attention sub-layer ({@code BertAttention}): multi-head attention ({@code self}:
 * {@code query}, {@code key}, {@code value}; scores divided by sqrt(head size)), then
 * {@code output.LayerNorm(output.dense(attended) + x)}. Used for self-attention and, with keys and values
 * from another sequence, for cross-attention.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class BertAttention extends SeedBlock {
    private final MultiHeadAttention self;
    private final Linear dense;
    private final LayerNorm norm;

    /**
     * @param hiddenSize width of the queries and of the output
     * @param contextSize width of the keys' and values' source (= hiddenSize for self-attention)
     * @param numHeads attention heads
     * @param eps LayerNorm epsilon
     */
    public BertAttention(int hiddenSize, int contextSize, int numHeads, float eps) {
        this.self = declareChild("self",
                new MultiHeadAttention(hiddenSize, contextSize, numHeads,
                        new MultiHeadAttention.Names("query", "key", "value", null))); // output: output.dense
        this.dense = declareChild("output.dense", new Linear(hiddenSize, hiddenSize, true));
        this.norm = declareChild("output.LayerNorm", new LayerNorm(hiddenSize, eps));
    }

    /**
     * @param x [B, Tq, hidden]
     * @param context [B, Tk, context] for cross-attention, or null for self-attention
     * @param additiveMask broadcastable to [B, H, Tq, Tk], or null
     * @return [B, Tq, hidden]
     */
    public NDArray forward(NDArray x, NDArray context, NDArray additiveMask) {
        NDArray attended = self.forward(x, context, additiveMask); // [B, Tq, hidden]
        return norm.forward(dense.forward(attended).add(x));
    }
}
