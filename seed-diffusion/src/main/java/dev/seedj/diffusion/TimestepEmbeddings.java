package dev.seedj.diffusion;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The sinusoidal timestep embedding of Stable Diffusion, {@code [cos(t f) | sin(t f)]} with
 * {@code f_i = exp(-ln(10000) * i / half)} (CompVis {@code timestep_embedding}; diffusers
 * {@code get_timestep_embedding} with {@code flip_sin_to_cos=True, downscale_freq_shift=0}), computed in float32
 * in the reference's order of operations.
 *
 * <p>Stateless and thread-safe.
 */
public final class TimestepEmbeddings {
    private static final double MAX_PERIOD = 10000;

    private TimestepEmbeddings() {}

    /**
     * @param t timesteps [B] (any numeric type; converted to float32)
     * @param dim embedding width, even
     * @return [B, dim] float32, in {@code t}'s manager
     */
    public static NDArray sinusoidal(NDArray t, int dim) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("the timestep embedding width must be even and positive, got " + dim);
        }
        NDManager m = t.getManager();
        int half = dim / 2;
        NDArray exponent = m.arange(0f, half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD)).div((float) half); // [half]
        NDArray freqs = exponent.exp();
        NDArray args = t.toType(DataType.FLOAT32, false).expandDims(1).mul(freqs.expandDims(0)); // [B, half]
        return NDArrays.concat(new ai.djl.ndarray.NDList(args.cos(), args.sin()), 1); // [B, dim]
    }
}
