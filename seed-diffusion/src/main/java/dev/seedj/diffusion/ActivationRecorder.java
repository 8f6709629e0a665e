package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;

/**
 * Receives the named intermediate activations of a UNet or VAE pass (for parity tests and debugging). Names are
 * the block tree's own, i.e. the checkpoint's key prefixes ({@code input_blocks.1.1.proj_in},
 * {@code down_blocks.0}, {@code decoder.mid.attn_1}), plus {@code t_emb}, {@code emb} and {@code out} for the
 * UNet's sinusoidal timestep embedding, the embedding its ResBlocks read and its output, and {@code decoded}
 * for the VAE's output. Components record under their own names; callers add a prefix with {@link #scope}.
 *
 * <p>Implementations used by one pass need not be thread-safe; {@link #NONE} is stateless and thread-safe.
 */
@FunctionalInterface
public interface ActivationRecorder {

    /** Records nothing. */
    ActivationRecorder NONE = (name, value) -> {};

    /**
     * @param name the activation's name
     * @param value the activation; the pass frees or overwrites it soon after, so copy what you keep
     */
    void record(String name, NDArray value);

    /**
     * @param prefix a block's name, e.g. {@code input_blocks.1.1}
     * @return a recorder that records {@code prefix.name} into this one
     */
    default ActivationRecorder scope(String prefix) {
        if (this == NONE) {
            return NONE;
        }
        return (name, value) -> record(prefix + "." + name, value);
    }
}
