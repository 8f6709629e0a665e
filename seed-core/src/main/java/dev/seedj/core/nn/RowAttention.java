package dev.seedj.core.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Scaled dot-product attention of one query position over a one-row {@link KvCache} layer, in Java: the attention of
 * a decoding step computed in Java, {@code softmax(q k^T * scale + mask) v} per head, as
 * {@link AttentionMath#attend} computes it for [1, H, 1, T] (float32, the softmax shifted by its maximum). Each head's
 * scores are a product of its cached keys [T, D] with its query and its output a product of the transposed values
 * with the probabilities, both by {@link MatVec}'s kernel on the calling thread: 0.05 ms per OPT-125m layer at 124
 * cached positions, where plain Java loops over the buffers took 0.12-0.17 ms (together 1.4-2 ms of a 10 ms bfloat16
 * step).
 *
 * <p>Stateless and thread-safe.
 */
public final class RowAttention {
    private RowAttention() {}

    /**
     * @param query [H * D], the query heads one after another; with fewer key/value heads than query heads (grouped
     *     query attention), key/value head {@code g} serves query heads {@code g * H / KV} to {@code (g + 1) * H / KV
     *     - 1}, as {@code repeat_kv}
     * @param cached the layer's keys and values [KV, T, D], including this position's
     * @param scale multiplies the scores, usually {@code D^-0.5}
     * @param additiveMask [cached.length()] added to each head's scores (0 keeps, a large negative value removes), or
     *     null
     * @return [H * D], the heads one after another
     * @throws IllegalArgumentException if the query does not split into whole heads of the cache's width and groups
     *     of its heads, or the mask does not have one value per cached position
     * @throws IllegalStateException if {@link MatVec#available()} is false
     */
    public static float[] attend(float[] query, KvCache.Rows cached, float scale, float[] additiveMask) {
        int t = cached.length();
        int width = cached.width();
        int heads = query.length / width;
        if (query.length % width != 0 || heads % cached.heads() != 0) {
            throw new IllegalArgumentException("a query of " + query.length + " values for a cache of "
                    + cached.heads() + " heads of " + width);
        }
        if (additiveMask != null && additiveMask.length != t) {
            throw new IllegalArgumentException("a mask of " + additiveMask.length + " positions for " + t + " cached");
        }
        int group = heads / cached.heads(); // query heads per key/value head
        int headBytes = t * width * Float.BYTES;
        float[] out = new float[query.length];
        float[] q = new float[width];
        float[] scores = new float[t];
        float[] o = new float[width];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(query, h * width, q, 0, width);
            int offset = (h / group) * cached.capacity() * width * Float.BYTES; // its key/value head's first position
            MatVec.smallProduct(head(cached.keys(), offset, headBytes), q, scores); // [T] = K_g [T, D] q_h
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < t; j++) {
                scores[j] = scores[j] * scale + (additiveMask == null ? 0 : additiveMask[j]);
                max = Math.max(max, scores[j]);
            }
            float sum = 0;
            for (int j = 0; j < t; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int j = 0; j < t; j++) {
                scores[j] /= sum;
            }
            Arrays.fill(o, 0f);
            MatVec.smallTransposedProduct(head(cached.values(), offset, headBytes), scores, o); // [D] = V_g^T p
            System.arraycopy(o, 0, out, h * width, width);
        }
        return out;
    }

    /** @return bytes {@code [offset, offset + length)} of {@code memory} as a little-endian buffer of their own */
    private static ByteBuffer head(ByteBuffer memory, int offset, int length) {
        return memory.slice(offset, length).order(ByteOrder.LITTLE_ENDIAN);
    }
}
