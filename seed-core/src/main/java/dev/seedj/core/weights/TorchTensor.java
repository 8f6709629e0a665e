package dev.seedj.core.weights;

import java.util.Arrays;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view of a storage with a shape,
 * strides and a storage offset (all in elements).
 *
 * <p>Immutable; thread-safe.
 */
final class TorchTensor {
    private final TorchStorage storage;
    private final long offset;
    private final long[] shape;
    private final long[] stride;

    /**
     * @param storage the storage viewed
     * @param offset first element of the view inside the storage
     * @param shape sizes (empty for a 0-d tensor)
     * @param stride element steps per dimension, same length as {@code shape}
     */
    TorchTensor(TorchStorage storage, long offset, long[] shape, long[] stride) {
        if (shape.length != stride.length) {
            throw new IllegalArgumentException("size " + Arrays.toString(shape) + " and stride "
                    + Arrays.toString(stride) + " differ in length");
        }
        this.storage = storage;
        this.offset = offset;
        this.shape = shape.clone();
        this.stride = stride.clone();
    }

    TorchStorage storage() {
        return storage;
    }

    long offset() {
        return offset;
    }

    long[] shape() {
        return shape.clone();
    }

    long[] stride() {
        return stride.clone();
    }

    /** @return dtype and shape */
    TensorInfo info() {
        return new TensorInfo(storage.dtype(), shape);
    }

    /**
     * Storage elements the view touches, counted from the storage start:
     * {@code offset + sum((size_i - 1) * stride_i) + 1}, or 0 for an empty tensor.
     *
     * @return the storage length the view needs
     * @throws ArithmeticException on overflow
     */
    long requiredElements() {
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                return 0;
            }
            last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        }
        return Math.addExact(last, 1);
    }

    /** @return true if the elements lie in row-major order with no gaps */
    boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** @return the view for messages, e.g. {@code size [3, 4], stride [1, 3], offset 0} */
    String describe() {
        return "size " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride) + ", offset " + offset;
    }
}
