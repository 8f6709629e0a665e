package dev.seedj.llm;

/**
 * Checked model inputs in the flat form the network consumes: token ids, OPT's learned positions and the
 * additive attention mask, derived from the attention mask exactly as Hugging Face's OPT does.
 *
 * <ul>
 *   <li>positions: {@code cumsum(mask) * mask - 1}, cut to the new tokens, plus OPT's offset of 2 (so padding
 *       uses position row 1);
 *   <li>mask: a causal mask and a padding mask, each {@code -Float.MAX_VALUE} where it masks, summed and then
 *       clamped to {@code -Float.MAX_VALUE}. A query whose keys are all masked (a left-padding position) thus
 *       sees equal scores everywhere and attends uniformly over all keys, as the reference does.
 * </ul>
 *
 * <p>Immutable; thread-safe.
 *
 * @param ids token ids, row-major [B, T]
 * @param batch B
 * @param length T, the number of new tokens per row
 * @param past number of tokens already in the cache
 * @param positions position-table rows, [B, T]
 * @param mask additive mask [B, 1, T, past + T], or null when nothing is masked
 */
record OptInputs(long[] ids, int batch, int length, int past, long[] positions, float[] mask) {

    /** The value a masked attention score becomes (PyTorch's {@code finfo(float32).min}). */
    static final float MASKED = -Float.MAX_VALUE;

    /**
     * @param inputIds [B][T] new token ids
     * @param attentionMask [B][past + T] ones for real tokens, zeros for padding; null means all ones
     * @param past tokens already in the cache
     * @param config the model architecture (vocabulary and position table sizes)
     * @return the checked inputs
     * @throws IllegalArgumentException for ragged or empty arrays, mask values other than 0/1, ids outside the
     *     vocabulary, or a sequence longer than the position table
     */
    static OptInputs of(long[][] inputIds, long[][] attentionMask, int past, OptConfig config) {
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
        long[] positions = new long[b * t];
        boolean anyMasked = false;
        boolean[] keep = new boolean[b * total];
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
                anyMasked |= v == 0;
                if (j >= past) {
                    positions[r * t + j - past] = count * v - 1 + OptConfig.POSITION_OFFSET;
                }
            }
            if (count > config.maxPositions()) {
                throw new IllegalArgumentException("row " + r + " has " + count + " tokens but the position table"
                        + " holds max_position_embeddings = " + config.maxPositions());
            }
            for (int j = 0; j < t; j++) {
                long id = inputIds[r][j];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " at [" + r + "][" + j
                            + "] is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
                ids[r * t + j] = id;
            }
        }
        float[] mask = null;
        if (anyMasked || t > 1) {
            mask = new float[b * t * total];
            boolean masked = false;
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < t; i++) {
                    for (int j = 0; j < total; j++) {
                        boolean off = !keep[r * total + j] || j > past + i; // padding or future key
                        if (off) {
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
        return new OptInputs(ids, b, t, past, positions, mask);
    }
}
