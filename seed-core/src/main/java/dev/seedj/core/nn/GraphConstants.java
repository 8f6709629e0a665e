package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * Constants for operations on the autograd graph. DJL turns a {@code Number} operand ({@code x.mul(0.5f)}) into a
 * temporary tensor wrapping Java memory ({@code from_blob}) and closes it right after the operation, but autograd
 * keeps that tensor for the backward pass of {@code mul}, {@code div}, {@code maximum} and the like; once the Java
 * buffer is collected and its memory reused, backward reads garbage and yields random or NaN gradients (typically
 * only after a while, or in a JVM that has already trained something). A constant made here lives in the
 * activation's manager until the step's scope closes, after the backward pass. Every scaling of a differentiable
 * array by a Java number goes through this class.
 *
 * <p>Stateless and thread-safe.
 */
public final class GraphConstants {
    private GraphConstants() {}

    /**
     * @param like an activation of the current pass
     * @param value the constant
     * @return a 0-d float32 tensor in {@code like}'s manager
     */
    public static NDArray of(NDArray like, double value) {
        return like.getManager().create((float) value);
    }

    /**
     * @param x an activation
     * @param value a constant factor
     * @return {@code x * value}, safe to differentiate
     */
    public static NDArray times(NDArray x, double value) {
        return x.mul(of(x, value));
    }

    /**
     * @param x an activation
     * @param value a constant divisor
     * @return {@code x / value}, safe to differentiate
     */
    public static NDArray dividedBy(NDArray x, double value) {
        return x.div(of(x, value));
    }
}
