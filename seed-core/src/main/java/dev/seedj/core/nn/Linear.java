package dev.seedj.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.seedj.core.weights.LibtorchOps;

/**
 * A fully connected layer laid out as PyTorch's {@code nn.Linear}: {@code weight [out, in]},
 * {@code bias [out]}; {@code y = x W^T + b}.
 *
 * <p>A bfloat16 weight (a model loaded for {@link dev.seedj.core.weights.ComputeType#BFLOAT16}) multiplies a
 * float32 input rounded to bfloat16 and returns float32 (the bias added in float32); a bfloat16 input gives a
 * bfloat16 output. A single float32 row is multiplied by {@link MatVec} where it applies.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
public class Linear extends SeedBlock {
    private final long inFeatures;
    private final long outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private volatile KernelMatrix kernelView; // the last view kernelMatrix made, or null

    /**
     * @param inFeatures input width
     * @param outFeatures output width
     * @param withBias whether the layer has a bias
     */
    public Linear(long inFeatures, long outFeatures, boolean withBias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = declareParameter("weight", new Shape(outFeatures, inFeatures), ParameterInit.WEIGHT);
        this.bias = withBias ? declareParameter("bias", new Shape(outFeatures), ParameterInit.ZEROS) : null;
    }

    /**
     * @param x [..., in]
     * @return [..., out]
     */
    public NDArray forward(NDArray x) {
        NDArray w = weight.getArray();
        if (MatVec.applies(x, w)) { // one row (a decoding step): the Java kernel reads W faster
            return MatVec.multiply(x, w, null, bias == null ? null : bias.getArray());
        }
        if (LibtorchOps.isBfloat16(w)) {
            return ReducedPrecision.linear(x, w, bias == null ? null : bias.getArray());
        }
        return bias == null
                ? ai.djl.nn.core.Linear.linear(x, weight.getArray()).singletonOrThrow()
                : ai.djl.nn.core.Linear.linear(x, weight.getArray(), bias.getArray()).singletonOrThrow();
    }

    /**
     * The layer with a bias the caller supplies (e.g. EVA's {@code [q_bias, 0, v_bias]} of a fused qkv
     * projection), for a layer declared without a bias of its own.
     *
     * @param x [..., in]
     * @param externalBias [out]
     * @return [..., out]
     */
    public NDArray forward(NDArray x, NDArray externalBias) {
        if (bias != null) {
            throw new IllegalStateException("this layer has a bias of its own");
        }
        if (MatVec.applies(x, weight.getArray())) {
            return MatVec.multiply(x, weight.getArray(), null, externalBias);
        }
        if (LibtorchOps.isBfloat16(weight.getArray())) {
            return ReducedPrecision.linear(x, weight.getArray(), externalBias);
        }
        return ai.djl.nn.core.Linear.linear(x, weight.getArray(), externalBias).singletonOrThrow();
    }

    /**
     * @return this layer's matrix and bias as the Java kernel reads them, for a product of one row held in a Java
     *     array, or null where the kernel cannot read the weight (see {@link MatVec#reads})
     */
    public KernelMatrix kernelMatrix() {
        NDArray w = weight.getArray();
        return MatVec.reads(w) ? kernelMatrix(w, null, bias == null ? null : bias.getArray()) : null;
    }

    /**
     * @param w the matrix the kernel reads ({@link MatVec#reads} holds)
     * @param scales its int8 scales, or null
     * @param b the bias, or null
     * @return the view this layer keeps if it was made from these arrays and they are open, else a new one it keeps
     *     from now on (a decoding step asks every layer for its view at every token)
     */
    protected final KernelMatrix kernelMatrix(NDArray w, NDArray scales, NDArray b) {
        KernelMatrix view = kernelView;
        if (view == null || !view.isViewOf(w, scales, b)) {
            view = KernelMatrix.of(w, scales, b);
            kernelView = view;
        }
        return view;
    }

    /** @return the weight parameter, [out, in] */
    public Parameter weight() {
        return weight;
    }

    /** @return the bias parameter, [out], or null when the layer has none */
    public Parameter bias() {
        return bias;
    }

    /** @return input width */
    public long inFeatures() {
        return inFeatures;
    }

    /** @return output width */
    public long outFeatures() {
        return outFeatures;
    }
}
