package dev.seedj.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A batch of texts tokenized to a fixed length: {@code [CLS] tokens [SEP]} then {@code [PAD]} (attention mask 1
 * on the real tokens, 0 on padding), as Hugging Face's {@code tokenizer(texts, padding="max_length",
 * truncation=True, max_length=L)}.
 *
 * <p>Immutable by convention and thread-safe: the arrays are shared, not copied; do not modify them.
 *
 * @param inputIds token ids, [B][L]
 * @param attentionMask 1 for tokens, 0 for padding, [B][L]
 */
public record TokenizedText(long[][] inputIds, long[][] attentionMask) {

    /** @return the batch size B */
    public int batchSize() {
        return inputIds.length;
    }

    /**
     * @param manager owns the result
     * @return the ids as int64 [B, L]
     */
    public NDArray inputIdsArray(NDManager manager) {
        return manager.create(inputIds);
    }

    /**
     * @param manager owns the result
     * @return the mask as int64 [B, L]
     */
    public NDArray attentionMaskArray(NDManager manager) {
        return manager.create(attentionMask);
    }
}
