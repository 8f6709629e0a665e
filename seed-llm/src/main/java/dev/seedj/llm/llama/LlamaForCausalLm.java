package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code LlamaForCausalLM}: the decoder under {@code model} and the bias-free language-model head
 * {@code lm_head.weight}, or {@code embed_tokens}' matrix when {@code tie_word_embeddings} is set.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class LlamaForCausalLm extends SeedBlock {
    private final LlamaDecoder model;
    private final Linear lmHead;

    /** @param config the architecture */
    LlamaForCausalLm(LlamaConfig config) {
        this.model = declareChild(LlamaDecoder.PREFIX, new LlamaDecoder(config));
        this.lmHead = config.tieWordEmbeddings()
                ? null
                : declareChild("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /** @return the decoder */
    LlamaDecoder model() {
        return model;
    }

    /**
     * @param hidden [..., hidden]
     * @return logits [..., vocab]
     */
    NDArray logits(NDArray hidden) {
        return ai.djl.nn.core.Linear.linear(hidden, headWeight()).singletonOrThrow();
    }

    /**
     * The logits of one position per row as {@code (W h^T)^T}: one pass over the [vocab, hidden] matrix, which BLAS
     * does faster for a few rows than {@code h W^T}.
     *
     * @param last [B, hidden]
     * @return logits [B, vocab]
     */
    NDArray lastLogits(NDArray last) {
        NDArray scores = headWeight().matMul(last.transpose()); // [V, B]
        scores.attach(last.getManager()); // a product of the weight lands in the weight's manager: move it
        return scores.transpose(); // [B, V]
    }

    private NDArray headWeight() {
        return lmHead == null ? model.embedTokens().weight().getArray() : lmHead.weight().getArray(); // [V, hidden]
    }
}
