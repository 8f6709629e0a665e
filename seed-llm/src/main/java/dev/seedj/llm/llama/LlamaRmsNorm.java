package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.nn.ParameterInit;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code LlamaRMSNorm}: {@code weight * x / sqrt(mean(x^2) + eps)} over the last axis, computed in float32
 * (no mean subtraction, no bias).
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
     * @param x [..., dim] float32
     * @return [..., dim]
     */
    NDArray forward(NDArray x) {
        NDArray variance = x.mul(x).mean(new int[] {-1}, true); // [..., 1]
        NDArray normed = x.div(variance.add(eps).sqrt()); // [..., dim]
        return normed.mul(weight.getArray()); // activation first: the result stays in the pass's manager
    }
}
