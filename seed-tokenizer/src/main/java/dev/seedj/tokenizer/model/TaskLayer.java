package dev.seedj.tokenizer.model;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * SEED's task layer {@code nn.Sequential(Linear(in, in), Tanh(), Linear(in, out))}: {@code encode_task_layer}
 * maps Q-Former outputs to the codebook width, {@code decode_task_layer} maps code vectors back.
 * State-dict names {@code 0.*} and {@code 2.*}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class TaskLayer extends SeedBlock {
    private final Linear first;
    private final Linear second;

    /**
     * @param in input width
     * @param out output width
     */
    public TaskLayer(int in, int out) {
        this.first = declareChild("0", new Linear(in, in, true));
        this.second = declareChild("2", new Linear(in, out, true));
    }

    /**
     * @param x [..., in]
     * @return [..., out]
     */
    public NDArray forward(NDArray x) {
        return second.forward(ActivationFunction.TANH.apply(first.forward(x)));
    }
}
