package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * One layer of the Q-Former ({@code BertLayer} of LAVIS's {@code Qformer.py}) applied to query tokens
 * only: self-attention, then (on cross-attention layers) cross-attention to the encoder sequence, then the
 * query feed-forward {@code output_query.LayerNorm(output_query.dense(gelu(intermediate_query.dense(x))) + x)}.
 * Every sub-layer is post-LayerNorm. The text feed-forward ({@code intermediate}/{@code output}) is not
 * part of the tokenizer.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class QFormerLayer extends SeedBlock {
    private final BertAttention attention;
    private final BertAttention crossAttention;
    private final Linear intermediateQuery;
    private final Linear outputQuery;
    private final LayerNorm outputQueryNorm;

    /**
     * @param hiddenSize width
     * @param numHeads attention heads
     * @param intermediateSize feed-forward width
     * @param encoderWidth width of the sequence cross-attention reads, or 0 for a layer without cross-attention
     * @param eps LayerNorm epsilon
     */
    public QFormerLayer(int hiddenSize, int numHeads, int intermediateSize, int encoderWidth, float eps) {
        this.attention = declareChild("attention", new BertAttention(hiddenSize, hiddenSize, numHeads, eps));
        this.crossAttention = encoderWidth > 0
                ? declareChild("crossattention", new BertAttention(hiddenSize, encoderWidth, numHeads, eps))
                : null;
        this.intermediateQuery = declareChild("intermediate_query.dense", new Linear(hiddenSize, intermediateSize, true));
        this.outputQuery = declareChild("output_query.dense", new Linear(intermediateSize, hiddenSize, true));
        this.outputQueryNorm = declareChild("output_query.LayerNorm", new LayerNorm(hiddenSize, eps));
    }

    /** @return whether this layer cross-attends to the encoder sequence */
    public boolean hasCrossAttention() {
        return crossAttention != null;
    }

    /**
     * @param queries [B, Q, hidden]
     * @param encoderStates [B, T, encoderWidth]; read only on cross-attention layers
     * @param selfMask additive mask broadcastable to [B, H, Q, Q], or null
     * @return [B, Q, hidden]
     */
    public NDArray forward(NDArray queries, NDArray encoderStates, NDArray selfMask) {
        NDArray x = attention.forward(queries, null, selfMask); // [B, Q, hidden]
        if (crossAttention != null) {
            x = crossAttention.forward(x, encoderStates, null); // cross-attention masks nothing
        }
        NDArray inner = ActivationFunction.GELU.apply(intermediateQuery.forward(x)); // [B, Q, intermediate]
        return outputQueryNorm.forward(outputQuery.forward(inner).add(x)); // [B, Q, hidden]
    }
}
