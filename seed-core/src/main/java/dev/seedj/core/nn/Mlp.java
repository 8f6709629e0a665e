package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * The transformer feed-forward network {@code fc2(act(fc1(x)))} with timm's parameter names
 * ({@code fc1}, {@code fc2}).
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class Mlp extends SeedBlock {
    private final Linear fc1;
    private final Linear fc2;
    private final ActivationFunction activation;

    /**
     * @param dim input and output width
     * @param hiddenDim inner width
     * @param activation the non-linearity between the two layers
     */
    public Mlp(long dim, long hiddenDim, ActivationFunction activation) {
        this.fc1 = declareChild("fc1", new Linear(dim, hiddenDim, true));
        this.fc2 = declareChild("fc2", new Linear(hiddenDim, dim, true));
        this.activation = activation;
    }

    /**
     * @param x [..., dim]
     * @return [..., dim]
     */
    public NDArray forward(NDArray x) {
        return fc2.forward(activation.apply(fc1.forward(x))); // [..., hidden] -> [..., dim]
    }
}
