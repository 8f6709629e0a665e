package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;
import dev.seedj.core.weights.LibtorchOps;

/**
 * {@code LlamaRMSNorm}: {@code weight * x / sqrt(mean(x^2) + eps)} over the last axis, computed in float32
 * (no mean subtraction, no bias); a bfloat16 input is normalised in float32 and scaled in bfloat16, as the
 * reference does for 16-bit models.
 *
 * <p>Forward passes only read the parameter and may run concurrently once loaded.
 */
final class LlamaRmsNorm extends SeedBlock {
    private final Parameter weight;
    private final float eps;

    /**
     * @param dim the normalised width
     * @param eps added to the mean square ({@code rms_norm_eps})
     */
    LlamaRmsNorm(long dim, double eps) {
        this.weight = declareParameter("weight", new Shape(dim), ParameterInit.ONES);
        this.eps = (float) eps;
    }

    /**
     * @param x [..., dim], float32 or bfloat16
     * @return [..., dim], of {@code x}'s type
     */
    NDArray forward(NDArray x) {
        if (LibtorchOps.isBfloat16(x)) {
            // as the reference: normalised in float32, cast back, then scaled by the (bfloat16) gain
            NDArray x32 = x.toType(DataType.FLOAT32, false);
            NDArray normed32 = x32.div(x32.mul(x32).mean(new int[] {-1}, true).add(eps).sqrt()); // [..., dim]
            return LibtorchOps.toBfloat16(normed32).mul(weight.getArray());
        }
        NDArray variance = x.mul(x).mean(new int[] {-1}, true); // [..., 1]
        NDArray normed = x.div(variance.add(eps).sqrt()); // [..., dim]
        return normed.mul(weight.getArray()); // activation first: the result stays in the pass's manager
    }

    /**
     * The float32 normalisation of one row held in a Java array (a decoding step computed in Java): the mean square
     * accumulated in double, the rest in float32 as {@link #forward} computes it.
     *
     * @param x [dim]; not modified
     * @return [dim]
     * @throws IllegalArgumentException if {@code x} does not have {@code dim} elements
     */
    float[] forwardRow(float[] x) {
        float[] gain = LibtorchOps.float32Values(weight.getArray());
        if (x.length != gain.length) {
            throw new IllegalArgumentException("a row of " + x.length + " values for an RMS norm over " + gain.length);
        }
        double squares = 0;
        for (float v : x) {
            squares += (double) v * v;
        }
        float rms = (float) Math.sqrt((float) (squares / x.length) + eps);
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] / rms * gain[i];
        }
        return y;
    }
}
