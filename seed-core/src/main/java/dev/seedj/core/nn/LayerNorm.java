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

    /**
     * The same normalisation of one row held in a Java array (a decoding step computed in Java): mean and variance
     * accumulated in double, the result in float32.
     *
     * @param x [dim]; not modified
     * @return [dim]
     * @throws IllegalArgumentException if {@code x} does not have {@code dim} elements
     */
    public float[] forwardRow(float[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("a row of " + x.length + " values for a layer norm over " + dim);
        }
        float[] gain = LibtorchOps.float32Values(weight.getArray());
        float[] shift = LibtorchOps.float32Values(bias.getArray());
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        double mean = sum / x.length;
        double squares = 0;
        for (float v : x) {
            squares += (v - mean) * (v - mean);
        }
        double inverseStd = 1 / Math.sqrt(squares / x.length + eps); // the biased variance, as PyTorch
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) ((x[i] - mean) * inverseStd) * gain[i] + shift[i];
        }
        return y;
    }

    /** @return the epsilon */
    public float eps() {
        return eps;
    }
}
