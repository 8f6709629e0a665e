package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.Embedding;
import dev.seedj.core.nn.SeedBlock;

/**
 * SEED's vector quantizer ({@code VectorQuantizer2}, {@code quantize.embedding.weight [K, D]}): each
 * vector takes the index of its nearest codebook row by {@code |z|^2 + |e|^2 - 2 z.e} (first index on
 * ties), and the quantized vector is {@code z + (e - z)} computed in float32, as the reference's
 * straight-through estimator evaluates it.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class VectorQuantizer extends SeedBlock {

    /**
     * The quantizer's output. The record is immutable; the arrays belong to the caller's manager.
     *
     * @param codes [B, T] int64 indices into the codebook
     * @param quantized [B, T, D], {@code z + (e - z)}
     */
    public record Quantized(NDArray codes, NDArray quantized) {}

    private final int size;
    private final int dim;
    private final Embedding embedding;

    /**
     * @param size number of codes K
     * @param dim code width D
     */
    public VectorQuantizer(int size, int dim) {
        this.size = size;
        this.dim = dim;
        this.embedding = declareChild("embedding", new Embedding(size, dim));
    }

    /** @return number of codes */
    public int size() {
        return size;
    }

    /** @return code width */
    public int dim() {
        return dim;
    }

    /**
     * @param z [B, T, D]
     * @return the nearest codes and the quantized vectors
     */
    public Quantized forward(NDArray z) {
        Shape s = z.getShape();
        // distances in float32 whatever the compute type: the nearest code must match the reference's
        NDArray flat = z.reshape(-1, dim).toType(DataType.FLOAT32, false); // [N, D]
        NDArray codebook = embedding.weight().getArray(); // [K, D]
        if (codebook.getDataType() != DataType.FLOAT32) {
            codebook = ArrayScopes.adopt(codebook.toType(DataType.FLOAT32, false), z);
        }
        NDArray codebookNorm = ArrayScopes.adopt(codebook.square(), z).sum(new int[] {1}); // [K]
        NDArray zNorm = flat.square().sum(new int[] {1}, true); // [N, 1]
        NDArray dot = ai.djl.nn.core.Linear.linear(flat, codebook).singletonOrThrow(); // [N, K] = z e^T
        NDArray distance = zNorm.add(codebookNorm).sub(dot.mul(2)); // [N, K]
        NDArray codes = distance.argMin(1).reshape(s.get(0), s.get(1)); // [B, T]
        NDArray rows = embedding.forward(codes); // [B, T, D]
        return new Quantized(codes, z.add(rows.sub(z)));
    }

    /**
     * The codebook rows of the given codes ({@code get_codebook_entry}).
     *
     * @param codes [B, T] integer indices in {@code [0, K)}
     * @return [B, T, D]
     * @throws IllegalArgumentException if a code is out of range
     */
    public NDArray codebookEntry(NDArray codes) {
        return embedding.forward(codes);
    }
}
