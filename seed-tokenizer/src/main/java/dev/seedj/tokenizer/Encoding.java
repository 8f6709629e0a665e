package dev.seedj.tokenizer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The result of {@link SeedTokenizer#encode}: the causal codes of a batch of images and the two
 * representations they come from. The arrays belong to this object's own manager and are freed by
 * {@link #close()}; detach or copy what must outlive it.
 *
 * <p>Reads may run concurrently; {@link #close()} must not race with them.
 */
public final class Encoding implements AutoCloseable {
    private final NDManager manager;
    private final NDArray codes;
    private final NDArray causalEmbeddings;
    private final NDArray quantized;

    Encoding(NDManager manager, NDArray codes, NDArray causalEmbeddings, NDArray quantized) {
        this.manager = manager;
        this.codes = codes;
        this.causalEmbeddings = causalEmbeddings;
        this.quantized = quantized;
    }

    /** @return the codes, int64 [B, Q] (Q = 32 for the released models) */
    public NDArray codes() {
        return codes;
    }

    /** @return the causal Q-Former's output, float32 [B, Q, hidden] */
    public NDArray causalEmbeddings() {
        return causalEmbeddings;
    }

    /** @return the quantized vectors {@code z + (e - z)}, float32 [B, Q, codebook dim] */
    public NDArray quantized() {
        return quantized;
    }

    /** @return the batch size B */
    public int batchSize() {
        return (int) codes.getShape().get(0);
    }

    /** @return the codes as Java arrays, [B][Q] */
    public int[][] codeArrays() {
        return SeedTokenizer.toIntRows(codes);
    }

    /** Frees the arrays. */
    @Override
    public void close() {
        manager.close();
    }
}
