package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.Int8Linear;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.weights.LibtorchOps;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * OPT's language-model head ({@code lm_head}, no bias): with tied embeddings it has no parameter of its own and
 * multiplies by {@code embed_tokens}' matrix, as Hugging Face ties {@code lm_head.weight} to it; otherwise its
 * matrix is {@code lm_head.weight}. It is a module of the tree either way, as in {@code named_modules()}. For
 * bfloat16 and int8 decoding it multiplies by a bfloat16 ({@link #reduceToBfloat16}) or int8 ({@link #quantize}) copy
 * of that matrix, half or a quarter of the bytes a decoding step reads from it, and rescores the best candidates in
 * float32.
 *
 * <p>Forward passes only read parameters and may run concurrently; {@link #quantize} and {@link #reduceToBfloat16}
 * must not race with them.
 */
final class OptLmHead extends SeedBlock {
    /** The name of a separate head's matrix. */
    static final String WEIGHT = "weight";

    private final Parameter weight;
    private final Embedding tiedTo;
    private volatile Linear reduced; // the bfloat16 or int8 copy decoding multiplies by, or null

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
     * Decoding multiplies by an int8 copy of the matrix from now on ({@link #lastLogits}); the float32 matrix stays
     * (tied, it is also the input embedding; it also rescores the best candidates).
     *
     * @param manager owns the copy (the model's manager)
     * @param activations the kind of int8 product
     */
    void quantize(NDManager manager, Int8Linear.Activations activations) {
        NDArray w = matrix(); // [vocab, proj]
        Int8Linear q = new Int8Linear(w.getShape().get(1), w.getShape().get(0), false);
        q.quantize(w, manager, activations);
        this.reduced = q;
    }

    /**
     * Decoding multiplies by a bfloat16 copy of the matrix from now on ({@link #lastLogits}); the float32 matrix stays
     * (the input embedding when tied, and the rescoring of the best candidates).
     *
     * @param manager owns the copy (the model's manager)
     */
    void reduceToBfloat16(NDManager manager) {
        NDArray w = matrix(); // [vocab, proj]
        Linear copy = new Linear(w.getShape().get(1), w.getShape().get(0), false);
        NDArray bf16 = LibtorchOps.toBfloat16(w);
        bf16.attach(manager);
        copy.weight().setArray(bf16);
        this.reduced = copy;
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
        Linear copy = reduced;
        if (copy != null) {
            return rescored(copy.forward(last), last);
        }
        NDArray w = matrix();
        if (MatVec.applies(last, w)) { // one row: the Java kernel
            return MatVec.multiply(last, w, null, null);
        }
        // [V, B]; a product of the weight lands in the weight's manager: it belongs to this call
        NDArray scores = ArrayScopes.adopt(w.matMul(last.transpose()), last);
        return scores.transpose(); // [B, V]
    }

    /**
     * The reduced copy's logits with each row's {@value OptModel#RESCORED_LOGITS} largest recomputed from the float32
     * matrix: int8 weights move a logit by up to ~1% of its row's scale and bfloat16 ones by up to 2^-8 of it, enough
     * to swap two near-tied candidates, so the candidates a greedy or top-k step chooses from get their float32 values
     * (the choice equals float32's whenever float32's best is among the copy's top {@value OptModel#RESCORED_LOGITS}).
     * Reads that many rows of the float32 matrix per position.
     *
     * @param approx logits of the bfloat16 or int8 copy [B, vocab]
     * @param last [B, proj]
     * @return logits [B, vocab], in {@code last}'s manager
     */
    private NDArray rescored(NDArray approx, NDArray last) {
        int rows = Math.toIntExact(approx.getShape().get(0));
        int vocab = Math.toIntExact(approx.getShape().get(1));
        int proj = Math.toIntExact(last.getShape().get(1));
        float[] logits = approx.toFloatArray();
        float[] hidden = last.toFloatArray();
        FloatBuffer w = matrix().toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(); // a view
        for (int r = 0; r < rows; r++) {
            for (int token : largest(logits, r * vocab, vocab)) {
                float dot = 0;
                for (int i = 0; i < proj; i++) {
                    dot += w.get(token * proj + i) * hidden[r * proj + i];
                }
                logits[r * vocab + token] = dot;
            }
        }
        NDArray out = last.getManager().create(logits, approx.getShape());
        approx.close();
        return out;
    }

    /**
     * @return the indices, relative to {@code from}, of the {@value OptModel#RESCORED_LOGITS} (at most {@code n})
     *     largest values of {@code values[from, from + n)}, in no particular order
     */
    private static int[] largest(float[] values, int from, int n) {
        int[] best = new int[Math.min(OptModel.RESCORED_LOGITS, n)];
        for (int i = 0; i < best.length; i++) {
            best[i] = i;
        }
        int smallest = smallestOf(values, from, best);
        for (int i = best.length; i < n; i++) {
            if (values[from + i] > values[from + best[smallest]]) { // rare after the first few hundred
                best[smallest] = i;
                smallest = smallestOf(values, from, best);
            }
        }
        return best;
    }

    /** @return the position in {@code indices} of the smallest of the values they point at */
    private static int smallestOf(float[] values, int from, int[] indices) {
        int at = 0;
        for (int j = 1; j < indices.length; j++) {
            if (values[from + indices[j]] < values[from + indices[at]]) {
                at = j;
            }
        }
        return at;
    }

    private NDArray matrix() {
        return weight == null ? tiedTo.weight().getArray() : weight.getArray(); // [vocab, proj]
    }
}
