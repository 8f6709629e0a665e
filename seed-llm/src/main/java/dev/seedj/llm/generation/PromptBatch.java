package dev.seedj.llm.generation;

import java.util.Arrays;
import java.util.List;

/**
 * Prompts of different lengths as one left-padded batch: padding tokens first, with attention-mask zeros, so
 * that every row's last token is at the same index and generation appends to all rows alike.
 *
 * <p>Immutable by convention (arrays are not copied).
 *
 * @param inputIds [B][T] token ids
 * @param attentionMask [B][T] 1 for real tokens, 0 for padding
 */
public record PromptBatch(long[][] inputIds, long[][] attentionMask) {

    /**
     * @param prompts token ids per row, each non-empty
     * @param padTokenId the padding token
     * @return the batch
     * @throws IllegalArgumentException for no prompt or an empty one
     */
    public static PromptBatch leftPadded(List<long[]> prompts, long padTokenId) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompt to generate from");
        }
        int length = 0;
        for (long[] p : prompts) {
            if (p.length == 0) {
                throw new IllegalArgumentException("a prompt is empty: start it with the BOS token at least");
            }
            length = Math.max(length, p.length);
        }
        long[][] ids = new long[prompts.size()][length];
        long[][] mask = new long[prompts.size()][length];
        for (int r = 0; r < prompts.size(); r++) {
            long[] p = prompts.get(r);
            int pad = length - p.length;
            Arrays.fill(ids[r], 0, pad, padTokenId);
            System.arraycopy(p, 0, ids[r], pad, p.length);
            Arrays.fill(mask[r], pad, length, 1);
        }
        return new PromptBatch(ids, mask);
    }
}
