package dev.seedj.llm.llama;

/**
 * Checked model inputs in the flat form the network consumes, derived from the attention mask as Hugging Face's
 * LLaMA generation does it (transformers 4.28-4.30):
 *
 * <ul>
 *   <li>positions ({@code prepare_inputs_for_generation}): {@code cumsum(mask) - 1}, padding set to 1, cut to the
 *       new tokens; or given explicitly (a plain {@code forward} without {@code position_ids} uses
 *       {@code past .. past + T - 1} for every row);
 *   <li>mask: a causal mask and a padding mask, each {@code finfo(float32).min} where it masks, summed; the
 *       attention's {@code torch.max(scores + mask, finfo.min)} then makes every masked score exactly
 *       {@code finfo.min}. Adding the sum clamped to {@code -Float.MAX_VALUE} gives the same scores, so a query
 *       whose keys are all masked (a left-padding position) attends uniformly over all keys, as the reference does.
 * </ul>
 *
 * <p>Immutable; thread-safe.
 *
 * @param ids token ids, row-major [B, T]
 * @param batch B
 * @param length T, the number of new tokens per row
 * @param past number of tokens already in the cache
 * @param positions rotary positions, row-major [B, T]
 * @param mask additive mask [B, 1, T, past + T], or null when nothing is masked
 */
record LlamaInputs(long[] ids, int batch, int length, int past, long[] positions, float[] mask) {

    /** The value a masked attention score becomes (PyTorch's {@code finfo(float32).min}). */
    static final float MASKED = -Float.MAX_VALUE;

    /**
     * @param inputIds [B][T] new token ids
     * @param attentionMask [B][past + T] ones for real tokens, zeros for padding; null means all ones
     * @param positionIds [B][T] explicit positions, or null to derive them from the mask
     * @param past tokens already in the cache
     * @param vocabSize ids must lie in {@code [0, vocabSize)}
     * @return the checked inputs
     * @throws IllegalArgumentException for ragged or empty arrays, mask values other than 0/1, ids outside the
     *     vocabulary or negative positions
     */
    static LlamaInputs of(long[][] inputIds, long[][] attentionMask, long[][] positionIds, int past, int vocabSize) {
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
        if (positionIds != null && positionIds.length != b) {
            throw new IllegalArgumentException("position ids have " + positionIds.length
                    + " rows but the input ids have " + b);
        }
        long[] ids = new long[b * t];
        long[] positions = new long[b * t];
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
                    positions[r * t + j - past] = v == 0 ? 1 : count - 1; // cumsum - 1, padding -> 1
                }
            }
            if (positionIds != null) {
                if (positionIds[r] == null || positionIds[r].length != t) {
                    throw new IllegalArgumentException("position ids row " + r + " must have length " + t);
                }
                for (int j = 0; j < t; j++) {
                    if (positionIds[r][j] < 0) {
                        throw new IllegalArgumentException("position id " + positionIds[r][j] + " at [" + r + "][" + j
                                + "] is negative");
                    }
                    positions[r * t + j] = positionIds[r][j];
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
        float[] mask = null;
        if (anyPadding || t > 1) {
            mask = new float[b * t * total];
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
            if (!masked) {
                mask = null;
            }
        }
        return new LlamaInputs(ids, b, t, past, positions, mask);
    }
}
