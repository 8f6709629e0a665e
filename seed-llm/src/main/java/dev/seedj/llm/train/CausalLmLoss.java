package dev.seedj.llm.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.llm.AdaptableLanguageModel;

/**
 * The causal language-modelling loss of {@code OPTForCausalLM(input_ids, attention_mask, labels).loss} (and
 * {@code LlamaForCausalLM}'s, the same formula): the
 * logits at position {@code i} are scored against the label at {@code i + 1}, and
 * {@code CrossEntropyLoss(ignore_index=-100)} averages {@code -log p(label)} over every labelled position of the
 * whole batch (not per row).
 *
 * <p>Only the hidden states of labelled positions go through {@code lm_head}: the vocabulary-sized logits of the
 * prompt and padding, which the loss ignores, are never computed. Everything runs on DJL's autograd, so the loss
 * can be backpropagated to whatever parameters require a gradient (the LoRA factors, a saved embedding copy).
 *
 * <p>Stateless and thread-safe (the model's own thread-safety rules apply).
 */
public final class CausalLmLoss {
    private CausalLmLoss() {}

    /**
     * @param model the language model, OPT or LLaMA (with or without adapter)
     * @param batch the batch
     * @param manager owns the result and every intermediate array
     * @return the mean loss, float32 [], on the autograd graph
     * @throws IllegalArgumentException if the batch has no labelled position after the first column, or a label is
     *     outside the vocabulary
     */
    public static NDArray compute(AdaptableLanguageModel<?> model, LmBatch batch, NDManager manager) {
        int b = batch.size();
        int t = batch.length();
        int vocab = model.vocabSize();
        boolean[] predicts = new boolean[b * t]; // [B, T]: position i is scored against label i + 1
        long[] targets = new long[batch.targetCount()];
        int n = 0;
        for (int r = 0; r < b; r++) {
            long[] labels = batch.labels()[r];
            for (int i = 0; i + 1 < t; i++) {
                long label = labels[i + 1];
                if (label == LmExample.IGNORE) {
                    continue;
                }
                if (label < 0 || label >= vocab) {
                    throw new IllegalArgumentException("label " + label + " at [" + r + "][" + (i + 1)
                            + "] is outside the vocabulary [0, " + vocab + ")");
                }
                predicts[r * t + i] = true;
                targets[n++] = label;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the batch has no target token: every label after the first column is "
                    + LmExample.IGNORE);
        }
        NDArray hidden = model.finalHidden(batch.inputIds(), batch.attentionMask(), manager); // [B, T, P]
        long p = hidden.getShape().get(2);
        NDArray select = manager.create(predicts, new Shape(b, t, 1)).broadcast(new Shape(b, t, p)); // [B, T, P] bool
        NDArray scored = hidden.booleanMask(select).reshape(n, p); // [N, P]
        NDArray logits = model.lmHead(scored); // [N, V]
        NDArray logProbs = logits.logSoftmax(-1); // [N, V]
        NDArray index = manager.create(targets, new Shape(n, 1)); // [N, 1]
        NDArray picked = logProbs.gather(index, 1); // [N, 1]
        return GraphConstants.dividedBy(picked.sum().neg(), n); // []
    }
}
