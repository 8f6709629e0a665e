package dev.seedj.core.nn.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.core.nn.KernelMatrix;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.MatVec;
import dev.seedj.core.nn.ParameterInit;

/**
 * A linear layer with a LoRA update, as PEFT's {@code lora.Linear}:
 * {@code y = x W^T + b + scaling * (x A^T) B^T}, with {@code lora_A.weight [r, in]} and
 * {@code lora_B.weight [out, r]} as children named like PEFT's adapter-file keys. Dropout is an identity at
 * inference and is not applied.
 *
 * <p>{@link #merge(NDManager)} folds the update into a merged weight ({@code W + scaling * B A}) that the forward pass then
 * uses instead of computing the update; it is a new array the layer owns, so a base weight shared with other
 * models is never written, and {@link #unmerge()} frees it. The parameters keep the base weight and the factors
 * ({@link #mergedWeight} gives the merged value, e.g. to build a plain model).
 *
 * <p>Forward passes only read parameters and may run concurrently once loaded; merge and unmerge must not race
 * with them.
 */
public final class LoraLinear extends Linear {
    private final Linear loraA;
    private final Linear loraB;
    private final float scaling;
    /** The merged weight while merged, else null. */
    private NDArray merged;

    /**
     * @param in input width
     * @param out output width
     * @param bias whether the base layer has a bias
     * @param rank the LoRA rank r
     * @param scaling multiplies the update: {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA
     */
    public LoraLinear(long in, long out, boolean bias, int rank, float scaling) {
        super(in, out, bias);
        this.loraA = declareChild("lora_A", new Linear(in, rank, false));
        this.loraB = declareChild("lora_B", new Linear(rank, out, false));
        loraB.weight().setInitializer(ParameterInit.ZEROS); // PEFT starts B at zero: the update starts at zero
        this.scaling = scaling;
    }

    /**
     * A LoRA layer in place of {@code base}, sharing its weight and bias arrays when they are attached (they stay
     * owned by their manager); the factors are attached later (loaded, or {@code initializeParameters}).
     *
     * @param base the layer to wrap
     * @param rank the LoRA rank
     * @param scaling the update's factor
     * @return the new layer
     */
    public static LoraLinear wrapping(Linear base, int rank, float scaling) {
        LoraLinear out = new LoraLinear(base.inFeatures(), base.outFeatures(), base.bias() != null, rank, scaling);
        if (base.weight().isInitialized()) {
            out.weight().setArray(base.weight().getArray());
        }
        if (base.bias() != null && base.bias().isInitialized()) {
            out.bias().setArray(base.bias().getArray());
        }
        return out;
    }

    /**
     * @return the merged weight as the Java kernel reads it while merged; null while unmerged (the product is more
     *     than one matrix) or where the kernel cannot read it
     */
    @Override
    public KernelMatrix kernelMatrix() {
        NDArray w = merged;
        return w != null && MatVec.reads(w) ? kernelMatrix(w, null, bias() == null ? null : bias().getArray()) : null;
    }

    /**
     * @param x [..., in]
     * @return [..., out]
     */
    @Override
    public NDArray forward(NDArray x) {
        if (merged != null) {
            return bias() == null
                    ? ai.djl.nn.core.Linear.linear(x, merged).singletonOrThrow()
                    : ai.djl.nn.core.Linear.linear(x, merged, bias().getArray()).singletonOrThrow();
        }
        NDArray update = update(x);
        return super.forward(x).add(update);
    }

    /**
     * @param x [..., in]
     * @param externalBias [out], for a layer without a bias of its own
     * @return [..., out]
     */
    @Override
    public NDArray forward(NDArray x, NDArray externalBias) {
        if (merged != null) {
            return ai.djl.nn.core.Linear.linear(x, merged, externalBias).singletonOrThrow();
        }
        NDArray update = update(x);
        return super.forward(x, externalBias).add(update);
    }

    /** {@code scaling * (x A^T) B^T}, [..., out]. */
    private NDArray update(NDArray x) {
        NDArray down = loraB.forward(loraA.forward(x)); // [..., r] -> [..., out]
        return down.mul(GraphConstants.of(x, scaling));
    }

    /**
     * The merged weight {@code W + scaling * B A} as a new array (PEFT's {@code merge_and_unload} value).
     *
     * @param manager owns the result
     * @return [out, in]
     */
    public NDArray mergedWeight(NDManager manager) {
        NDArray current = weight().getArray(); // [out, in]
        NDArray a = loraA.weight().getArray(); // [r, in]
        NDArray b = loraB.weight().getArray(); // [out, r]
        try (NDManager scope = manager.newSubManager()) {
            NDArray delta = ArrayScopes.adopt(b.matMul(a), scope); // [out, in]
            return ArrayScopes.adopt(current.add(delta.muli(scaling)), manager);
        }
    }

    /**
     * Folds the update into a merged weight that the forward pass uses from now on. No-op if already merged.
     *
     * @param manager owns the merged weight until {@link #unmerge()} (e.g. the model's manager)
     */
    public void merge(NDManager manager) {
        if (merged == null) {
            merged = mergedWeight(manager);
        }
    }

    /** Frees the merged weight: the forward pass computes the update again. No-op if not merged. */
    public void unmerge() {
        if (merged != null) {
            merged.close(); // created by merge()
            merged = null;
        }
    }

    /** @return whether the forward pass uses a merged weight */
    public boolean isMerged() {
        return merged != null;
    }

    /** @return the down projection, weight [r, in] */
    public Linear loraA() {
        return loraA;
    }

    /** @return the up projection, weight [out, r] */
    public Linear loraB() {
        return loraB;
    }

    /** @return the rank r */
    public long rank() {
        return loraA.outFeatures();
    }

    /** @return the factor applied to the update */
    public float scaling() {
        return scaling;
    }
}
