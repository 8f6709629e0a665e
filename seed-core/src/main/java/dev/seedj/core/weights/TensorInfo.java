package dev.seedj.core.weights;

import java.util.Arrays;

/**
 * The stored element type and shape of one checkpoint tensor.
 *
 * <p>Instances are immutable and therefore thread-safe.
 *
 * @param dtype the element type on disk
 * @param shape the tensor shape (empty for a 0-d tensor)
 */
public record TensorInfo(DType dtype, long[] shape) {
    /**
     * Copies the shape so that the record stays immutable.
     *
     * @param dtype the element type on disk
     * @param shape the tensor shape (empty for a 0-d tensor)
     */
    public TensorInfo {
        shape = shape.clone();
    }

    /** @return a copy of the tensor shape (empty for a 0-d tensor) */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of elements (1 for a 0-d tensor) */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return 31 * dtype.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
