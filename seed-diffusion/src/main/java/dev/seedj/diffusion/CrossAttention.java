package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.seedj.core.nn.AttentionMath;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.ScaledDotProductAttention;
import dev.seedj.core.nn.SeedBlock;

/**
 * The attention of Stable Diffusion's transformer blocks (CompVis {@code CrossAttention}, diffusers
 * {@code Attention}): {@code to_q}, {@code to_k}, {@code to_v} without bias, {@code to_out.0} with bias; heads are
 * contiguous feature blocks; scores scaled by {@code dim_head^-0.5}. Self-attention when no context is given.
 *
 * <p>The score matrix {@code [B, H, T, T]} of a 64 x 64 latent is 1 GB for 8 heads and batch 2. Float32 attention
 * runs libtorch's fused kernel ({@link ScaledDotProductAttention}), which never holds it; where that kernel is not
 * available, heads are attended in slices of at most {@link #MAX_SCORE_ELEMENTS} score elements each (exactly the
 * same values as all at once).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class CrossAttention extends SeedBlock {
    /** Largest score slice, in elements (128 MB of float32). */
    static final long MAX_SCORE_ELEMENTS = 1L << 25;

    private final int heads;
    private final float scale;
    private final Linear toQ;
    private final Linear toK;
    private final Linear toV;
    private final Linear toOut;

    /**
     * @param queryDim width of the attending tokens
     * @param contextDim width of the attended tokens (= queryDim for self-attention)
     * @param heads number of heads
     * @param dimHead width of a head
     */
    CrossAttention(long queryDim, long contextDim, int heads, long dimHead) {
        long inner = heads * dimHead;
        this.heads = heads;
        this.scale = (float) Math.pow(dimHead, -0.5);
        this.toQ = declareChild("to_q", new Linear(queryDim, inner, false));
        this.toK = declareChild("to_k", new Linear(contextDim, inner, false));
        this.toV = declareChild("to_v", new Linear(contextDim, inner, false));
        this.toOut = declareChild("to_out.0", new Linear(inner, queryDim, true));
    }

    /**
     * @param x [B, Tq, queryDim]
     * @param context [B, Tk, contextDim], or null for self-attention
     * @return [B, Tq, queryDim]
     */
    NDArray forward(NDArray x, NDArray context) {
        NDArray source = context == null ? x : context;
        NDArray q = AttentionMath.splitHeads(toQ.forward(x), heads); // [B, H, Tq, D]
        NDArray k = AttentionMath.splitHeads(toK.forward(source), heads); // [B, H, Tk, D]
        NDArray v = AttentionMath.splitHeads(toV.forward(source), heads); // [B, H, Tk, D]
        NDArray attended = AttentionMath.mergeHeads(attendInSlices(q, k, v, scale)); // [B, Tq, inner]
        return toOut.forward(attended);
    }

    /**
     * {@code softmax(q k^T * scale) v}: fused where {@link ScaledDotProductAttention#fusable}, else over slices of
     * the B x H (batch, head) pairs, so that no more than {@link #MAX_SCORE_ELEMENTS} scores exist at once.
     *
     * @param q [B, H, Tq, D]
     * @param k [B, H, Tk, D]
     * @param v [B, H, Tk, D]
     * @param scale multiplies the scores
     * @return [B, H, Tq, D]
     */
    static NDArray attendInSlices(NDArray q, NDArray k, NDArray v, float scale) {
        return attendInSlices(q, k, v, scale, MAX_SCORE_ELEMENTS);
    }

    /**
     * {@link #attendInSlices(NDArray, NDArray, NDArray, float)} with a given slice size.
     *
     * @param q [B, H, Tq, D]
     * @param k [B, H, Tk, D]
     * @param v [B, H, Tk, D]
     * @param scale multiplies the scores
     * @param maxScoreElements most score elements of a slice of the unfused path
     * @return [B, H, Tq, D]
     */
    static NDArray attendInSlices(NDArray q, NDArray k, NDArray v, float scale, long maxScoreElements) {
        long b = q.getShape().get(0);
        long h = q.getShape().get(1);
        long tq = q.getShape().get(2);
        long d = q.getShape().get(3);
        long tk = k.getShape().get(2);
        if (ScaledDotProductAttention.fusable(q, k, v, null)) {
            return ScaledDotProductAttention.attend(q, k, v, null, scale);
        }
        long pairsPerSlice = Math.max(1, maxScoreElements / (tq * tk));
        if (pairsPerSlice >= b * h) {
            return AttentionMath.attend(q, k, v, null, scale);
        }
        NDArray q1 = q.reshape(1, b * h, tq, d); // [1, B*H, Tq, D]
        NDArray k1 = k.reshape(1, b * h, tk, d);
        NDArray v1 = v.reshape(1, b * h, tk, d);
        NDList parts = new NDList();
        try {
            for (long from = 0; from < b * h; from += pairsPerSlice) {
                NDIndex slice = new NDIndex(":, {}:{}", from, Math.min(b * h, from + pairsPerSlice));
                NDArray qs = q1.get(slice);
                NDArray ks = k1.get(slice);
                NDArray vs = v1.get(slice);
                parts.add(AttentionMath.attend(qs, ks, vs, null, scale));
                qs.close();
                ks.close();
                vs.close();
            }
            return NDArrays.concat(parts, 1).reshape(b, h, tq, d);
        } finally {
            parts.close();
            q1.close();
            k1.close();
            v1.close();
        }
    }
}
