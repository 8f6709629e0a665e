package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * Multi-head attention with separate query, key and value projections (BERT, Q-Former, OPT layout),
 * for self-attention ({@code context == null}) and cross-attention (keys and values from another
 * sequence of a possibly different width), with an additive mask and an optional {@link KvCache}.
 * The output projection is optional: BERT keeps it in a separate {@code output.dense} block.
 *
 * <p>The projections are plain {@link Linear} children named by {@link Names}, which the model's own
 * constructor spells out (e.g. OPT's {@code q_proj, k_proj, v_proj, out_proj}, BERT's {@code query, key, value});
 * a LoRA injector ({@code dev.seedj.core.nn.lora}) may later swap them for subclasses.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded (each with its own cache).
 */
public final class MultiHeadAttention extends SeedBlock {

    /**
     * The state-dict names of the four projections, e.g. {@code query/key/value} or {@code q_proj/...}.
     *
     * @param query the query projection's name
     * @param key the key projection's name
     * @param value the value projection's name
     * @param output the output projection's name, or null when the block has none
     */
    public record Names(String query, String key, String value, String output) {}

    private final int numHeads;
    private final float scale;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear output;

    /**
     * @param hiddenSize width of the queries and of the output
     * @param contextSize width of the sequence keys and values are computed from (= hiddenSize for self-attention)
     * @param numHeads number of heads; must divide hiddenSize
     * @param names the projections' state-dict names
     * @param bias whether the projections have a bias
     */
    public MultiHeadAttention(long hiddenSize, long contextSize, int numHeads, Names names, boolean bias) {
        if (numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by the number of heads " + numHeads);
        }
        this.numHeads = numHeads;
        this.scale = (float) (1.0 / Math.sqrt((double) hiddenSize / numHeads));
        this.query = declareChild(names.query(), new Linear(hiddenSize, hiddenSize, bias));
        this.key = declareChild(names.key(), new Linear(contextSize, hiddenSize, bias));
        this.value = declareChild(names.value(), new Linear(contextSize, hiddenSize, bias));
        this.output = names.output() == null
                ? null
                : declareChild(names.output(), new Linear(hiddenSize, hiddenSize, bias));
    }

    /**
     * Projections with bias.
     *
     * @param hiddenSize width of the queries and of the output
     * @param contextSize width of the key/value source
     * @param numHeads number of heads
     * @param names the projections' state-dict names
     */
    public MultiHeadAttention(long hiddenSize, long contextSize, int numHeads, Names names) {
        this(hiddenSize, contextSize, numHeads, names, true);
    }

    /**
     * @param x queries' source [B, Tq, hidden]
     * @param context keys' and values' source [B, Tk, context], or null for self-attention on {@code x}
     * @param additiveMask broadcastable to [B, H, Tq, Tk(+past)], or null
     * @param cache the cache to extend (self-attention only), or null
     * @param layer this layer's index in {@code cache}
     * @return [B, Tq, hidden]
     */
    public NDArray forward(NDArray x, NDArray context, NDArray additiveMask, KvCache cache, int layer) {
        NDArray source = context == null ? x : context;
        NDArray q = AttentionMath.splitHeads(query.forward(x), numHeads); // [B, H, Tq, D]
        NDArray k = AttentionMath.splitHeads(key.forward(source), numHeads); // [B, H, Tk, D]
        NDArray v = AttentionMath.splitHeads(value.forward(source), numHeads); // [B, H, Tk, D]
        if (cache != null) {
            NDArray[] kv = cache.append(layer, k, v); // [B, H, Tpast + Tk, D]
            k = kv[0];
            v = kv[1];
        }
        NDArray attended = AttentionMath.mergeHeads(AttentionMath.attend(q, k, v, additiveMask, scale));
        return output == null ? attended : output.forward(attended); // [B, Tq, hidden]
    }

    /**
     * Self- or cross-attention without a cache.
     *
     * @param x [B, Tq, hidden]
     * @param context [B, Tk, context] or null
     * @param additiveMask broadcastable to [B, H, Tq, Tk], or null
     * @return [B, Tq, hidden]
     */
    public NDArray forward(NDArray x, NDArray context, NDArray additiveMask) {
        return forward(x, context, additiveMask, null, 0);
    }

    /** @return the factor the scores are multiplied by, {@code D^-0.5} */
    public float scale() {
        return scale;
    }

    /** @return the query projection */
    public Linear query() {
        return query;
    }

    /** @return the key projection */
    public Linear key() {
        return key;
    }

    /** @return the value projection */
    public Linear value() {
        return value;
    }

    /** @return the output projection, or null if this block has none */
    public Linear output() {
        return output;
    }
}
