package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;

/**
 * OPT's language-model head ({@code lm_head}, no bias): with tied embeddings it has no parameter of its own and
 * multiplies by {@code embed_tokens}' matrix, as Hugging Face ties {@code lm_head.weight} to it; otherwise its
 * matrix is {@code lm_head.weight}. It is a module of the tree either way, as in {@code named_modules()}.
 *
 * <p>Forward passes only read parameters and may run concurrently.
 */
final class OptLmHead extends SeedBlock {
    /** The name of a separate head's matrix. */
    static final String WEIGHT = "weight";

    private final Parameter weight;
    private final Embedding tiedTo;

    private OptLmHead(Embedding tiedTo, long proj, long vocab) {
        this.tiedTo = tiedTo;
        this.weight = tiedTo == null ? declareParameter(WEIGHT, new Shape(vocab, proj), ParameterInit.WEIGHT) : null;
    }

    /**
     * @param embedTokens the token embeddings whose matrix the head multiplies by
     * @return a tied head
     */
    static OptLmHead tied(Embedding embedTokens) {
        return new OptLmHead(embedTokens, 0, 0);
    }

    /**
     * @param proj the hidden width it reads ({@code word_embed_proj_dim})
     * @param vocab the vocabulary size
     * @return a head with its own {@code weight [vocab, proj]}
     */
    static OptLmHead separate(long proj, long vocab) {
        return new OptLmHead(null, proj, vocab);
    }

    /** @return whether {@code lm_head.weight} is a parameter of its own */
    boolean isSeparate() {
        return weight != null;
    }

    /**
     * @param hidden [..., word_embed_proj_dim]
     * @return logits [..., vocab]
     */
    NDArray forward(NDArray hidden) {
        return ai.djl.nn.core.Linear.linear(hidden, matrix()).singletonOrThrow();
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
        // [V, B]; a product of the weight lands in the weight's manager: it belongs to this call
        NDArray scores = ArrayScopes.adopt(matrix().matMul(last.transpose()), last);
        return scores.transpose(); // [B, V]
    }

    private NDArray matrix() {
        return weight == null ? tiedTo.weight().getArray() : weight.getArray(); // [vocab, proj]
    }
}
