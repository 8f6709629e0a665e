package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Runs one layer of an inference pass in a sub-manager that frees its intermediates and its input, keeping only
 * the output (the VAE at 512 x 512 makes 130 MB activations: the pass must not keep them all).
 *
 * <p>Stateless and thread-safe.
 */
final class Scopes {
    private Scopes() {}

    /**
     * @param input the layer's input, freed afterwards (an intermediate nothing else reads)
     * @param layer computes the output
     * @return the output, in the manager {@code input} had
     */
    static NDArray consume(NDArray input, UnaryOperator<NDArray> layer) {
        NDManager outer = input.getManager();
        try (NDManager scope = outer.newSubManager()) {
            input.attach(scope);
            NDArray output = layer.apply(input);
            output.attach(outer);
            return output;
        }
    }
}
