package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The element-wise non-linearities SEED uses: GELU in its exact erf form (EVA ViT, Q-Former, decode
 * blocks), tanh (task layers) and ReLU ({@code image_down}, OPT).
 *
 * <p>Stateless and thread-safe.
 */
public enum ActivationFunction {
    /** {@code x * 0.5 * (1 + erf(x / sqrt(2)))}, not the tanh approximation. */
    GELU,
    /** {@code max(x, 0)}. */
    RELU,
    /** hyperbolic tangent. */
    TANH;

    /**
     * @param x any shape
     * @return the activation, same shape
     */
    public NDArray apply(NDArray x) {
        return switch (this) {
            case GELU -> Activation.gelu(x);
            case RELU -> Activation.relu(x);
            case TANH -> Activation.tanh(x);
        };
    }

    /**
     * Parses the names used in configs ({@code gelu}, {@code relu}, {@code tanh}), case-insensitively.
     *
     * @param name the name
     * @return the function
     * @throws IllegalArgumentException for any other name
     */
    public static ActivationFunction fromName(String name) {
        for (ActivationFunction f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown activation function '" + name + "' (expected gelu, relu or tanh)");
    }
}
