package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * diffusers' {@code get_timestep_embedding}: sinusoidal features of a timestep, in float32 as the reference computes
 * them: {@code freq_i = exp(-ln(max_period) * i / (half - downscale_freq_shift))}, {@code [sin(t freq) | cos(t freq)]},
 * halves swapped when {@code flip_sin_to_cos}, zero-padded to an odd width.
 *
 * <p>Stateless and thread-safe.
 */
public final class TimestepEmbeddings {
    /** diffusers' default {@code max_period}. */
    public static final float MAX_PERIOD = 10000f;

    private TimestepEmbeddings() {
    }

    /**
     * @param timesteps [N], any numeric type
     * @param dim the embedding width
     * @param flipSinToCos put the cosines first
     * @param downscaleFreqShift diffusers' {@code downscale_freq_shift}
     * @param manager owns the result
     * @return float32 [N, dim]
     */
    public static NDArray sinusoidal(NDArray timesteps, int dim, boolean flipSinToCos, float downscaleFreqShift,
            NDManager manager) {
        if (timesteps.getShape().dimension() != 1) {
            throw new IllegalArgumentException("timesteps must be 1-D, got " + timesteps.getShape());
        }
        int half = dim / 2;
        try (NDManager scope = manager.newSubManager()) {
            NDArray exponent = scope.arange(0f, (float) half, 1f, DataType.FLOAT32)
                    .mul((float) -Math.log(MAX_PERIOD)).div(half - downscaleFreqShift); // [half]
            NDArray t = timesteps.toType(DataType.FLOAT32, true);
            t.attach(scope);
            NDArray args = t.expandDims(1).mul(exponent.exp().expandDims(0)); // [N, half]
            NDArray sin = args.sin();
            NDArray cos = args.cos();
            NDArray emb = flipSinToCos ? NDArrays.concat(new NDList(cos, sin), 1) : NDArrays.concat(new NDList(sin, cos), 1);
            if (dim % 2 == 1) {
                emb = NDArrays.concat(new NDList(emb, scope.zeros(new ai.djl.ndarray.types.Shape(emb.getShape().get(0), 1))), 1);
            }
            emb.attach(manager);
            return emb;
        }
    }
}
