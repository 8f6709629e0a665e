package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * The SiLU (swish) non-linearity {@code x * sigmoid(x)} every Stable Diffusion component uses.
 *
 * <p>Stateless and thread-safe.
 */
final class Silu {
    private Silu() {}

    /**
     * @param x any shape
     * @return {@code x * sigmoid(x)}, same shape, in {@code x}'s manager
     */
    static NDArray apply(NDArray x) {
        NDArray gate = Activation.sigmoid(x);
        NDArray out = x.mul(gate);
        gate.close();
        return out;
    }
}
