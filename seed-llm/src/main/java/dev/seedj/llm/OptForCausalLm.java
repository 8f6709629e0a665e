package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.KvCache;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code OPTForCausalLM}: the decoder under {@code model.decoder} and the language-model head {@code lm_head}
 * ({@link OptLmHead}, tied to {@code embed_tokens} or with its own matrix). Reading the constructors of this
 * class, {@link OptDecoder} and {@link OptDecoderLayer} gives every checkpoint key, e.g.
 * {@code model.decoder.layers.0.self_attn.q_proj.weight}.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class OptForCausalLm extends SeedBlock {
    /** The output layer's module name (PEFT's {@code "all-linear"} leaves it out). */
    static final String LM_HEAD = "lm_head";

    private final OptDecoder decoder;
    private final OptLmHead lmHead;

    /**
     * @param config the architecture
     * @param separateLmHead whether {@code lm_head.weight} is a parameter of its own (untied)
     */
    OptForCausalLm(OptConfig config, boolean separateLmHead) {
        this.decoder = declareChild("model.decoder", new OptDecoder(config));
        this.lmHead = declareChild(LM_HEAD, separateLmHead
                ? OptLmHead.separate(config.wordEmbedProjDim(), config.vocabSize())
                : OptLmHead.tied(decoder.embedTokens()));
    }

    /** @return the decoder */
    OptDecoder decoder() {
        return decoder;
    }

    /** @return the full name of the token embedding matrix, {@code model.decoder.embed_tokens.weight} */
    String embedTokensKey() {
        return keyOf(decoder.embedTokens().weight());
    }

    /** @return the full name a separate head's matrix has, {@code lm_head.weight} (also in a tied model's adapters) */
    String lmHeadKey() {
        return LM_HEAD + "." + OptLmHead.WEIGHT;
    }

    private String keyOf(Parameter p) {
        return namedParameters().entrySet().stream().filter(e -> e.getValue() == p).findFirst()
                .orElseThrow().getKey();
    }

    /** @return whether {@code lm_head.weight} is a parameter of its own */
    boolean hasSeparateLmHead() {
        return lmHead.isSeparate();
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
        return lmHead.forward(hidden);
    }

    /**
     * Decoding's output layer multiplies by an int8 copy of its matrix from now on (see {@link OptLmHead}).
     *
     * @param manager owns the copy
     * @param activations the kind of int8 product
     */
    void quantizeHead(NDManager manager, Int8Linear.Activations activations) {
        lmHead.quantize(manager, activations);
    }

    /**
     * Decoding's output layer multiplies by a bfloat16 copy of its matrix from now on (see {@link OptLmHead}).
     *
     * @param manager owns the copy
     */
    void reduceHeadToBfloat16(NDManager manager) {
        lmHead.reduceToBfloat16(manager);
    }

    /**
     * @param last [B, word_embed_proj_dim]
     * @return logits [B, vocab]
     */
    NDArray lastLogits(NDArray last) {
        return lmHead.lastLogits(last);
    }
}
