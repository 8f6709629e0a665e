package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.tokenizer.TokenizerConfig;

/**
 * SEED's causal Q-Former: learned {@code query_tokens} read the image through a post-LayerNorm BERT
 * ({@code Qformer.bert}, see {@link QFormerModel}) whose self-attention over the queries is causal: query
 * {@code i} sees queries {@code 0..i}, masked scores get -10000 added as in the reference. The output is
 * one causal embedding per query.
 *
 * <p>Causality follows the reference exactly: {@code Qformer_casual.py} makes the query self-attention
 * causal when there are exactly {@value #REFERENCE_CAUSAL_QUERIES} queries and bidirectional otherwise
 * ({@code is_casual = query_embeds.shape[1] == 32}). The released models (32 queries here, 77 in the
 * Reverse Q-Former) are therefore causal here and bidirectional there; see {@link #selfAttentionMask}.
 *
 * <p>State-dict names (at the tokenizer's top level): {@code query_tokens}, {@code Qformer.bert.*}.
 * Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class CausalQFormer extends SeedBlock {
    /** The additive score of a masked pair, as the reference's {@code (1 - mask) * -10000}. */
    public static final float MASKED = -10000f;
    /** The query count for which the reference's Q-Former is causal. */
    public static final int REFERENCE_CAUSAL_QUERIES = 32;

    private final int numQueries;
    private final int hiddenSize;
    private final Parameter queryTokens;
    private final QFormerModel bert;

    /**
     * @param qformer the Q-Former's sizes
     * @param encoderWidth width of the image tokens it cross-attends to
     */
    public CausalQFormer(TokenizerConfig.QFormer qformer, int encoderWidth) {
        this.numQueries = qformer.numQueryTokens();
        this.hiddenSize = qformer.hiddenSize();
        this.queryTokens = declareParameter("query_tokens", new Shape(1, numQueries, hiddenSize), ParameterInit.WEIGHT);
        this.bert = declareChild("Qformer.bert", new QFormerModel(hiddenSize, qformer.numLayers(),
                qformer.numHeads(), qformer.intermediateSize(), qformer.crossAttentionFreq(), encoderWidth,
                qformer.layerNormEps()));
    }

    /**
     * The lower-triangular additive mask over {@code n} queries, diagonal included.
     *
     * @param manager owns the mask
     * @param n number of queries
     * @return [1, 1, n, n]: 0 where {@code key <= query}, {@link #MASKED} elsewhere
     */
    public static NDArray causalMask(NDManager manager, int n) {
        float[] mask = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask[i * n + j] = MASKED;
            }
        }
        return manager.create(mask, new Shape(1, 1, n, n));
    }

    /**
     * The self-attention mask the reference uses for {@code n} queries of a query-only Q-Former (the causal
     * Q-Former and the Reverse Q-Former alike): causal for exactly {@value #REFERENCE_CAUSAL_QUERIES}
     * queries, none otherwise.
     *
     * @param manager owns the mask
     * @param n number of queries
     * @return {@link #causalMask} for 32 queries, else null (bidirectional)
     */
    public static NDArray selfAttentionMask(NDManager manager, int n) {
        return n == REFERENCE_CAUSAL_QUERIES ? causalMask(manager, n) : null;
    }

    /**
     * @param imageEmbeds [B, T, encoderWidth], the LayerNorm-ed vision tokens
     * @param recorder receives {@code embeddings_out}, {@code layer<i>} and {@code last_hidden_state}
     * @return the causal embeddings [B, Q, hidden]
     */
    public NDArray forward(NDArray imageEmbeds, StageRecorder recorder) {
        long batch = imageEmbeds.getShape().get(0);
        NDArray queries = ArrayScopes.adopt(
                queryTokens.getArray().broadcast(new Shape(batch, numQueries, hiddenSize)), imageEmbeds);
        NDArray mask = selfAttentionMask(imageEmbeds.getManager(), numQueries); // [1, 1, Q, Q] or null
        return bert.forward(queries, imageEmbeds, mask, recorder); // [B, Q, hidden]
    }
}
