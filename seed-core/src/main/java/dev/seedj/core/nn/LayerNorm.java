package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.LibtorchOps;

/**
 * Layer normalisation over the last dimension with a learned gain ({@code weight}) and bias, and a
 * configurable epsilon (the SEED models use 1e-6, 1e-5 and 1e-12 in different places). A bfloat16 input is
 * normalised in float32 and returned as bfloat16.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public final class LayerNorm extends SeedBlock {
    private final long dim;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    /**
     * @param dim normalised width
     * @param eps added to the variance
     */
    public LayerNorm(long dim, float eps) {
        this.dim = dim;
        this.eps = eps;
        this.weight = declareParameter("weight", new Shape(dim), ParameterInit.ONES);
        this.bias = declareParameter("bias", new Shape(dim), ParameterInit.ZEROS);
    }

    /**
     * @param x [..., dim]
     * @return [..., dim]
     */
    public NDArray forward(NDArray x) {
        if (LibtorchOps.isBfloat16(x)) {
            return ReducedPrecision.layerNormInFloat32(x, new Shape(dim), weight.getArray(), bias.getArray(), eps);
        }
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(dim), weight.getArray(), bias.getArray(), eps)
                .singletonOrThrow();
    }

    /** @return the epsilon */
    public float eps() {
        return eps;
    }
}
