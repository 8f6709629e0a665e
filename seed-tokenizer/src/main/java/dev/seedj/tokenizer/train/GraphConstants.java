package dev.seedj.tokenizer.train;

import ai.djl.ndarray.NDArray;

/**
 * Constants for operations on the autograd graph. DJL turns a {@code Number} operand ({@code x.mul(0.5f)}) into a
 * temporary tensor that it frees right after the operation, but autograd keeps that tensor for the backward pass of
 * {@code mul}, {@code div} and {@code maximum}, which then reads freed memory and yields random gradients. A constant
 * made here lives in the activation's manager until the step's scope closes, after the backward pass.
 *
 * <p>Stateless and thread-safe.
 */
final class GraphConstants {
    private GraphConstants() {}

    /**
     * @param like an activation of the current pass
     * @param value the constant
     * @return a 0-d float32 tensor in {@code like}'s manager
     */
    static NDArray of(NDArray like, double value) {
        return like.getManager().create((float) value);
    }

    /**
     * @param x an activation
     * @param value a constant factor
     * @return {@code x * value}, safe to differentiate
     */
    static NDArray times(NDArray x, double value) {
        return x.mul(of(x, value));
    }
}
