package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.LibtorchOps;

/**
 * A lookup table {@code weight [num, dim]} as PyTorch's {@code nn.Embedding}. Indices are checked to lie
 * in {@code [0, num)} before the lookup, so a bad id is an exception, not a native crash.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class Embedding extends SeedBlock {
    private final long numEmbeddings;
    private final Parameter weight;

    /**
     * @param numEmbeddings number of rows
     * @param dim row width
     */
    public Embedding(long numEmbeddings, long dim) {
        this.numEmbeddings = numEmbeddings;
        this.weight = declareParameter("weight", new Shape(numEmbeddings, dim), ParameterInit.WEIGHT);
    }

    /**
     * @param ids integer indices of any shape [...]
     * @return [..., dim]
     * @throws IllegalArgumentException if an index is outside {@code [0, num)}
     */
    public NDArray forward(NDArray ids) {
        NDArray longIds = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        if (longIds.size() > 0) {
            long min = longIds.min().getLong();
            long max = longIds.max().getLong();
            if (min < 0 || max >= numEmbeddings) {
                throw new IllegalArgumentException("embedding index out of range [0, " + numEmbeddings
                        + "): found " + (min < 0 ? min : max));
            }
        }
        return ai.djl.nn.core.Embedding.embedding(longIds, weight.getArray(), SparseFormat.DENSE)
                .singletonOrThrow();
    }

    /**
     * One row of the table as a Java array (a decoding step computed in Java).
     *
     * @param index the row
     * @return float32 [dim] (a copy)
     * @throws IllegalArgumentException if {@code index} is outside {@code [0, num)}
     */
    public float[] row(long index) {
        if (index < 0 || index >= numEmbeddings) {
            throw new IllegalArgumentException("embedding index out of range [0, " + numEmbeddings + "): found "
                    + index);
        }
        try (NDArray row = weight.getArray().get(index)) { // a view of one row
            return LibtorchOps.float32Values(row);
        }
    }

    /** @return the table parameter, [num, dim] */
    public Parameter weight() {
        return weight;
    }

    /** @return number of rows */
    public long numEmbeddings() {
        return numEmbeddings;
    }
}
