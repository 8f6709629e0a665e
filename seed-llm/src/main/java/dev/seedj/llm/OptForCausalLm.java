package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code OPTForCausalLM}: the decoder under {@code model.decoder} and the language-model head. With tied
 * embeddings the head has no parameter of its own and multiplies by {@code embed_tokens}' matrix; otherwise
 * it is {@code lm_head.weight}. Either way there is no bias.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class OptForCausalLm extends SeedBlock {
    private final OptDecoder decoder;
    private final Linear lmHead;
    private volatile Int8Linear int8Head;

    /**
     * @param config the architecture
     * @param linears creates the linear layers
     * @param separateLmHead whether {@code lm_head.weight} is a parameter of its own (untied)
     */
    OptForCausalLm(OptConfig config, LinearFactory linears, boolean separateLmHead) {
        this.decoder = declareChild(OptDecoder.PREFIX, new OptDecoder(config, linears));
        this.lmHead = separateLmHead
                ? declareChild("lm_head", new Linear(config.wordEmbedProjDim(), config.vocabSize(), false))
                : null;
    }

    /** @return the decoder */
    OptDecoder decoder() {
        return decoder;
    }

    /** @return whether {@code lm_head.weight} is a parameter of its own */
    boolean hasSeparateLmHead() {
        return lmHead != null;
    }

    /**
     * @param ids int64 [B, T]
     * @param positions int64 [B, T], offset by two
     * @param mask additive [B, 1, T, Tpast + T] or null
     * @param cache extended, or null
     * @return the last hidden state [B, T, word_embed_proj_dim]
     */
    NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache) {
        return decoder.forward(ids, positions, mask, cache);
    }

    /**
     * @param hidden [..., word_embed_proj_dim]
     * @return logits [..., vocab]
     */
    NDArray logits(NDArray hidden) {
        Int8Linear head = int8Head;
        return head != null ? head.forward(hidden) : ai.djl.nn.core.Linear.linear(hidden, headWeight()).singletonOrThrow();
    }

    /**
     * Multiplies by an int8 copy of the output matrix from now on (weight-only int8 decoding); the float matrix stays
     * (tied, it is the token embedding table).
     *
     * @param manager owns the int8 copy (the model's manager)
     */
    /** @return whether the output layer multiplies by an int8 copy ({@link #quantizeHeadInt8}) */
    boolean isInt8() {
        return int8Head != null;
    }

    void quantizeHeadInt8(NDManager manager) {
        NDArray weight = headWeight(); // [vocab, proj]
        Int8Linear head = new Int8Linear(weight.getShape().get(1), weight.getShape().get(0), false);
        head.quantize(weight, manager);
        this.int8Head = head;
    }

    /**
     * The logits of one position per row, computed as {@code (W h^T)^T}: a matrix-vector product per row that
     * streams the large [vocab, proj] matrix once, which BLAS does 2-3x faster for a few rows than
     * {@code h W^T}.
     *
     * @param last [B, word_embed_proj_dim]
     * @return logits [B, vocab]
     */
    NDArray lastLogits(NDArray last) {
        Int8Linear head = int8Head;
        if (head != null) {
            return head.forward(last); // [B, V]
        }
        NDArray scores = headWeight().matMul(last.transpose()); // [V, B]
        scores.attach(last.getManager()); // a product of the weight belongs to the weight's manager: move it
        return scores.transpose(); // [B, V]
    }

    private NDArray headWeight() {
        return lmHead == null
                ? decoder.embedTokens().weight().getArray()
                : lmHead.weight().getArray(); // [vocab, proj]
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray mask = inputs.size() > 2 ? inputs.get(2) : null;
        return new NDList(logits(hidden(inputs.get(0), inputs.get(1), mask, null)));
    }
}
