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
        PaddedBatch in = PaddedBatch.of(inputIds, attentionMask, past, config.vocabSize());
        long[] positions = new long[in.counts().length];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = (in.real()[i] ? in.counts()[i] : 0) - 1 + OptConfig.POSITION_OFFSET; // padding -> row 1
        }
        for (int r = 0; r < in.batch(); r++) {
            if (in.rowTokens(r) > config.maxPositions()) {
                throw new IllegalArgumentException("row " + r + " has " + in.rowTokens(r) + " tokens but the position"
                        + " table holds max_position_embeddings = " + config.maxPositions());
            }
        }
        return new OptInputs(in.ids(), in.batch(), in.length(), past, positions, in.mask());
    }
}
