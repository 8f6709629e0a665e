package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;

/**
 * Receives the named intermediate activations of a forward pass (for parity tests and debugging). Stage
 * names are those of the reference fixtures, e.g. {@code vit.block3} or {@code qformer.last_hidden_state};
 * components record under their own short names and callers add the prefix with {@link #scope(String)}.
 *
 * <p>Implementations used by one forward pass need not be thread-safe; {@link #NONE} is stateless and
 * thread-safe.
 */
@FunctionalInterface
public interface StageRecorder {

    /** Records nothing. */
    StageRecorder NONE = (stage, value) -> {};

    /**
     * @param stage the stage name
     * @param value the activation; layers free their inputs as the pass goes on, so copy it to keep it
     */
    void record(String stage, NDArray value);

    /**
     * @param prefix the component's name, e.g. {@code vit}
     * @return a recorder that records {@code prefix.stage} into this one
     */
    default StageRecorder scope(String prefix) {
        if (this == NONE) {
            return NONE;
        }
        return (stage, value) -> record(prefix + "." + stage, value);
    }
}
