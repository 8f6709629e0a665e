package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code CLIPMLP}: {@code fc2(act(fc1(x)))} with CLIP's activation.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class ClipMlp extends SeedBlock {
    private final Linear fc1;
    private final Linear fc2;
    private final ClipActivation activation;

    ClipMlp(ClipTextConfig config) {
        this.fc1 = declareChild("fc1", new Linear(config.hiddenSize(), config.intermediateSize(), true));
        this.fc2 = declareChild("fc2", new Linear(config.intermediateSize(), config.hiddenSize(), true));
        this.activation = config.activation();
    }

    /**
     * @param x [B, T, hidden]
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x) {
        return fc2.forward(activation.apply(fc1.forward(x))); // [B, T, intermediate] -> [B, T, hidden]
    }
}
