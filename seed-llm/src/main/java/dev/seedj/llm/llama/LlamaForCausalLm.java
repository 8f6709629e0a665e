package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.nn.SeedBlock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code LlamaForCausalLM}: the decoder under {@code model} and the bias-free language-model head
 * {@code lm_head.weight}, or {@code embed_tokens}' matrix when {@code tie_word_embeddings} is set. For weight-only
 * int8 every {@link Linear} of the tree, {@code lm_head} included, is swapped for an {@link Int8Linear} before the
 * weights are read ({@link #useInt8Layers()}); a tied head multiplies by an int8 copy of the embedding matrix.
 *
 * <p>Forward passes only read parameters and may run concurrently, each with its own cache.
 */
final class LlamaForCausalLm extends SeedBlock {
    /** The output layer's module name. */
    static final String LM_HEAD = "lm_head";

    private final LlamaDecoder model;
    private final Linear lmHead;
    private volatile Int8Linear tiedInt8Head;

    /** @param config the architecture */
    LlamaForCausalLm(LlamaConfig config) {
        this.model = declareChild(LlamaDecoder.PREFIX, new LlamaDecoder(config));
        this.lmHead = config.tieWordEmbeddings()
                ? null
                : declareChild(LM_HEAD, new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    /** @return the decoder */
    LlamaDecoder model() {
        return model;
    }

    /**
     * Swaps every linear layer (the seven projections of each layer and a separate {@code lm_head}) for an
     * {@link Int8Linear} of the same shape, through the block tree; call before the weights are attached.
     *
     * @return parameter name of each swapped layer's weight -> the layer, to quantise once its weight is read
     */
    Map<String, Int8Linear> useInt8Layers() {
        Map<String, SeedBlock> blocks = namedBlocks();
        Map<String, Int8Linear> out = new LinkedHashMap<>();
        for (Map.Entry<String, SeedBlock> e : blocks.entrySet()) {
            if (!(e.getValue() instanceof Linear linear) || linear instanceof Int8Linear) {
                continue;
            }
            String name = e.getKey();
            int dot = name.lastIndexOf('.');
            SeedBlock parent = dot < 0 ? this : blocks.get(name.substring(0, dot));
            Int8Linear q = new Int8Linear(linear.inFeatures(), linear.outFeatures(), linear.bias() != null);
            parent.replaceChild(name.substring(dot + 1), q);
            out.put(name + ".weight", q);
        }
        return out;
    }

    /**
     * With tied embeddings, multiplies by an int8 copy of the (float32) embedding matrix from now on.
     *
     * @param manager owns the copy (the model's manager)
     * @param activations the kind of int8 product
     */
    void quantizeTiedHead(NDManager manager, Int8Linear.Activations activations) {
        NDArray w = model.embedTokens().weight().getArray(); // [V, hidden]
        Int8Linear q = new Int8Linear(w.getShape().get(1), w.getShape().get(0), false);
        q.quantize(w, manager, activations);
        this.tiedInt8Head = q;
    }

    /** @return whether the weights are int8 */
    boolean isInt8() {
        return int8Head() != null;
    }

    /**
     * @param hidden [..., hidden]
     * @return logits [..., vocab]
     */
    NDArray logits(NDArray hidden) {
        Int8Linear q = int8Head();
        return q != null ? q.forward(hidden) : ai.djl.nn.core.Linear.linear(hidden, headWeight()).singletonOrThrow();
    }

    /**
     * The logits of one position per row as {@code (W h^T)^T}: one pass over the [vocab, hidden] matrix, which BLAS
     * does faster for a few rows than {@code h W^T}.
     *
     * @param last [B, hidden]
     * @return logits [B, vocab]
     */
    NDArray lastLogits(NDArray last) {
        Int8Linear q = int8Head();
        if (q != null) {
            return q.forward(last); // [B, V]
        }
        NDArray w = headWeight();
        if (MatVec.applies(last, w)) { // one row: the Java kernel
            return MatVec.multiply(last, w, null, null);
        }
        // [V, B]; a product of the weight lands in the weight's manager: it belongs to this call
        NDArray scores = ArrayScopes.adopt(w.matMul(last.transpose()), last);
        return scores.transpose(); // [B, V]
    }

    private Int8Linear int8Head() {
        if (lmHead instanceof Int8Linear q && q.isQuantized()) {
            return q;
        }
        return tiedInt8Head;
    }

    private NDArray headWeight() {
        return lmHead == null ? model.embedTokens().weight().getArray() : lmHead.weight().getArray(); // [V, hidden]
    }
}
