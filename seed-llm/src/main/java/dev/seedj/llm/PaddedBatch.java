package dev.seedj.llm;

/**
 * A checked batch of left- or right-padded token rows in the flat form causal language models consume, with what
 * every family derives its positions from: the running count of real tokens, and the additive attention mask.
 *
 * <ul>
 *   <li>{@code counts}: {@code cumsum(attention_mask)} over the past and new tokens, cut to the new tokens;
 *       {@code real}: the mask's value at each new token. OPT's positions are {@code counts * real - 1 + 2};
 *       LLaMA's are {@code counts - 1} with padding set to 1 (Hugging Face's generation rules).
 *   <li>{@code mask}: a causal mask and a padding mask, each {@code -Float.MAX_VALUE} where it masks, summed and
 *       clamped to {@code -Float.MAX_VALUE}: a query whose keys are all masked (a left-padding position) sees equal
 *       scores everywhere and attends uniformly over all keys, as the references do.
 * </ul>
 *
 * <p>Immutable; thread-safe.
 *
 * @param ids token ids, row-major [B, T]
 * @param batch B
 * @param length T, the number of new tokens per row
 * @param past number of tokens already in the cache
 * @param counts real tokens up to and including each new token, row-major [B, T]
 * @param real whether each new token is real (mask 1) rather than padding, row-major [B, T]
 * @param mask additive mask [B, 1, T, past + T], or null when nothing is masked
 */
public record PaddedBatch(long[] ids, int batch, int length, int past, long[] counts, boolean[] real, float[] mask) {

    /** The value a masked attention score becomes (PyTorch's {@code finfo(float32).min}). */
    public static final float MASKED = -Float.MAX_VALUE;

    /**
     * @param inputIds [B][T] new token ids
     * @param attentionMask [B][past + T] ones for real tokens, zeros for padding; null means all ones
     * @param past tokens already in the cache
     * @param vocabSize ids must lie in {@code [0, vocabSize)}
     * @return the checked batch
     * @throws IllegalArgumentException for ragged or empty arrays, mask values other than 0/1 or ids outside the
     *     vocabulary
     */
    public static PaddedBatch of(long[][] inputIds, long[][] attentionMask, int past, int vocabSize) {
        if (inputIds == null || inputIds.length == 0 || inputIds[0] == null || inputIds[0].length == 0) {
            throw new IllegalArgumentException("input ids must be a non-empty [B][T] array");
        }
        int b = inputIds.length;
        int t = inputIds[0].length;
        int total = past + t;
        if (attentionMask != null && attentionMask.length != b) {
            throw new IllegalArgumentException("attention mask has " + attentionMask.length
                    + " rows but the input ids have " + b);
        }
        long[] ids = new long[b * t];
        long[] counts = new long[b * t];
        boolean[] real = new boolean[b * t];
        boolean[] keep = new boolean[b * total];
        boolean anyPadding = false;
        for (int r = 0; r < b; r++) {
            if (inputIds[r] == null || inputIds[r].length != t) {
                throw new IllegalArgumentException("input ids row " + r + " has length "
                        + (inputIds[r] == null ? 0 : inputIds[r].length) + ", expected " + t + " (rows must be padded)");
            }
            long[] m = attentionMask == null ? null : attentionMask[r];
            if (m != null && m.length != total) {
                throw new IllegalArgumentException("attention mask row " + r + " has length " + m.length
                        + ", expected " + total + " (" + past + " cached + " + t + " new tokens)");
            }
            long count = 0;
            for (int j = 0; j < total; j++) {
                long v = m == null ? 1 : m[j];
                if (v != 0 && v != 1) {
                    throw new IllegalArgumentException("attention mask values must be 0 or 1, found " + v
                            + " at [" + r + "][" + j + "]");
                }
                count += v;
                keep[r * total + j] = v == 1;
                anyPadding |= v == 0;
                if (j >= past) {
                    counts[r * t + j - past] = count;
                    real[r * t + j - past] = v == 1;
                }
            }
            for (int j = 0; j < t; j++) {
                long id = inputIds[r][j];
                if (id < 0 || id >= vocabSize) {
                    throw new IllegalArgumentException("token id " + id + " at [" + r + "][" + j
                            + "] is outside the vocabulary [0, " + vocabSize + ")");
                }
                ids[r * t + j] = id;
            }
        }
        return new PaddedBatch(ids, b, t, past, counts, real, anyPadding || t > 1 ? mask(keep, b, t, past) : null);
    }

    /** The summed causal and padding mask [B, 1, T, past + T], or null if it masks nothing. */
    private static float[] mask(boolean[] keep, int b, int t, int past) {
        int total = past + t;
        float[] mask = new float[b * t * total];
        boolean masked = false;
        for (int r = 0; r < b; r++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < total; j++) {
                    if (!keep[r * total + j] || j > past + i) { // padding or a future key
                        mask[(r * t + i) * total + j] = MASKED;
                        masked = true;
                    }
                }
            }
        }
        return masked ? mask : null;
    }

    /**
     * @param r a row of the batch
     * @return the total number of real tokens (past and new) in that row
     */
    public long rowTokens(int r) {
        return counts[r * length + length - 1];
    }
}
