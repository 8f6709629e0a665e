package dev.seedj.llm.llama;

import dev.seedj.llm.PaddedBatch;

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
        PaddedBatch in = PaddedBatch.of(inputIds, attentionMask, past, vocabSize);
        int b = in.batch();
        int t = in.length();
        if (positionIds != null && positionIds.length != b) {
            throw new IllegalArgumentException("position ids have " + positionIds.length
                    + " rows but the input ids have " + b);
        }
        long[] positions = new long[b * t];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < t; j++) {
                int i = r * t + j;
                positions[i] = in.real()[i] ? in.counts()[i] - 1 : 1; // cumsum - 1, padding -> 1
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
        }
        return new LlamaInputs(in.ids(), b, t, past, positions, in.mask());
    }
}
