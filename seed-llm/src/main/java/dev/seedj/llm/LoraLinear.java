package dev.seedj.llm;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.GraphConstants;
import dev.seedj.core.nn.Linear;

/**
 * A linear layer with an unmerged LoRA update, as PEFT's {@code lora.Linear}:
 * {@code y = x W^T + b + scaling * (x A^T) B^T}, with {@code lora_A.weight [r, in]} and
 * {@code lora_B.weight [out, r]} as children named like PEFT's adapter-file keys. Dropout is an identity at
 * inference and is not applied.
 *
 * <p>Forward passes only read parameters and may run concurrently once loaded.
 */
public final class LoraLinear extends Linear {
    private final Linear loraA;
    private final Linear loraB;
    private final float scaling;

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
        this.scaling = scaling;
    }

    /**
     * @param x [..., in]
     * @return [..., out]
     */
    @Override
    public NDArray forward(NDArray x) {
        NDArray down = loraB.forward(loraA.forward(x)); // [..., r] -> [..., out]
        NDArray update = down.mul(GraphConstants.of(x, scaling));
        return super.forward(x).add(update);
    }

    /** @return the down projection, weight [r, in] */
    public Linear loraA() {
        return loraA;
    }

    /** @return the up projection, weight [out, r] */
    public Linear loraB() {
        return loraB;
    }

    /** @return the factor applied to the update */
    public float scaling() {
        return scaling;
    }
}
