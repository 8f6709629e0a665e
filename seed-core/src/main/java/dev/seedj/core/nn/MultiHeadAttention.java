package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head attention with separate query, key and value projections (BERT, Q-Former, OPT layout),
 * for self-attention ({@code context == null}) and cross-attention (keys and values from another
 * sequence of a possibly different width), with an additive mask and an optional {@link KvCache}.
 * The output projection is optional: BERT keeps it in a separate {@code output.dense} block.
 *
 * <p>Projections are created through a {@link ProjectionFactory}, so a model can substitute a subclass of
 * {@link Linear} (e.g. one carrying a LoRA update).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded (each with its own cache).
 */
public final class MultiHeadAttention extends SeedBlock {

    /** The state-dict names of the four projections, e.g. {@code query/key/value} or {@code q_proj/...}. */
    public record Names(String query, String key, String value, String output) {
        /** BERT's names; no output projection. */
        public static final Names BERT = new Names("query", "key", "value", null);
        /** OPT's names. */
        public static final Names OPT = new Names("q_proj", "k_proj", "v_proj", "out_proj");
    }

    /** Creates one projection layer; the default is a plain {@link Linear}. */
    @FunctionalInterface
    public interface ProjectionFactory {
        /**
         * @param name the projection's state-dict name
         * @param in input width
         * @param out output width
         * @return the layer
         */
        Linear create(String name, long in, long out);
    }

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
     * @param factory creates the projections (all with bias)
     */
    public MultiHeadAttention(
            long hiddenSize, long contextSize, int numHeads, Names names, ProjectionFactory factory) {
        if (numHeads <= 0 || hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException(
                    "hidden size " + hiddenSize + " is not divisible by the number of heads " + numHeads);
        }
        this.numHeads = numHeads;
        this.scale = (float) (1.0 / Math.sqrt((double) hiddenSize / numHeads));
        this.query = declareChild(names.query(), factory.create(names.query(), hiddenSize, hiddenSize));
        this.key = declareChild(names.key(), factory.create(names.key(), contextSize, hiddenSize));
        this.value = declareChild(names.value(), factory.create(names.value(), contextSize, hiddenSize));
        this.output = names.output() == null
                ? null
                : declareChild(names.output(), factory.create(names.output(), hiddenSize, hiddenSize));
    }

    /**
     * Plain {@link Linear} projections with bias.
     *
     * @param hiddenSize width of the queries and of the output
     * @param contextSize width of the key/value source
     * @param numHeads number of heads
     * @param names the projections' state-dict names
     */
    public MultiHeadAttention(long hiddenSize, long contextSize, int numHeads, Names names) {
        this(hiddenSize, contextSize, numHeads, names, (n, in, out) -> new Linear(in, out, true));
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

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray context = inputs.size() > 1 ? inputs.get(1) : null;
        NDArray mask = inputs.size() > 2 ? inputs.get(2) : null;
        return new NDList(forward(inputs.get(0), context, mask));
    }
}
