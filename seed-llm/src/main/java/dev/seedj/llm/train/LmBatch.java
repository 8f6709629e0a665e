package dev.seedj.llm.train;

import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch of {@link LmExample}s as Hugging Face's {@code OPTForCausalLM} takes it: {@code input_ids},
 * {@code attention_mask} (1 real, 0 padding) and {@code labels} ({@link LmExample#IGNORE} on padding), each
 * [B][T].
 *
 * <p>Immutable by convention (the arrays are shared with the caller); thread-safe when not modified.
 *
 * @param inputIds [B][T] token ids, padding with the pad id
 * @param attentionMask [B][T] ones for real tokens
 * @param labels [B][T] aligned labels
 */
public record LmBatch(long[][] inputIds, long[][] attentionMask, long[][] labels) {

    /**
     * Checks that the three arrays have one shape.
     *
     * @param inputIds [B][T] token ids, padding with the pad id
     * @param attentionMask [B][T] ones for real tokens
     * @param labels [B][T] aligned labels
     */
    public LmBatch {
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        int t = inputIds[0].length;
        if (attentionMask.length != inputIds.length || labels.length != inputIds.length) {
            throw new IllegalArgumentException(
                    "input ids, attention mask and labels must have the same number of rows");
        }
        for (int r = 0; r < inputIds.length; r++) {
            if (inputIds[r].length != t || attentionMask[r].length != t || labels[r].length != t) {
                throw new IllegalArgumentException("row " + r + " of the batch does not have length " + t);
            }
        }
    }

    /**
     * Pads examples on the right to the longest one.
     *
     * @param examples the examples, at least one
     * @param padId the token id of padding (OPT: {@code pad_token_id} = 1)
     * @return the batch
     */
    public static LmBatch collate(List<LmExample> examples, long padId) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        int t = examples.stream().mapToInt(LmExample::length).max().orElseThrow();
        int b = examples.size();
        long[][] ids = new long[b][t];
        long[][] mask = new long[b][t];
        long[][] labels = new long[b][t];
        for (int r = 0; r < b; r++) {
            LmExample e = examples.get(r);
            Arrays.fill(ids[r], padId);
            Arrays.fill(labels[r], LmExample.IGNORE);
            for (int i = 0; i < e.length(); i++) {
                ids[r][i] = e.inputId(i);
                mask[r][i] = 1;
                labels[r][i] = e.label(i);
            }
        }
        return new LmBatch(ids, mask, labels);
    }

    /** @return B */
    public int size() {
        return inputIds.length;
    }

    /** @return T */
    public int length() {
        return inputIds[0].length;
    }

    /** @return how many positions the shifted loss averages over (labels after the first column not ignored) */
    public int targetCount() {
        int n = 0;
        for (long[] row : labels) {
            for (int i = 1; i < row.length; i++) {
                n += row[i] == LmExample.IGNORE ? 0 : 1;
            }
        }
        return n;
    }
}
