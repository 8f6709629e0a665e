package dev.seedj.llm.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.seedj.core.nn.Linear;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code LlamaMLP}, the SwiGLU feed-forward network: {@code down_proj(silu(gate_proj(x)) * up_proj(x))}, no biases.
 *
 * <p>Forward passes only read parameters and may run concurrently once loaded.
 */
final class LlamaMlp extends SeedBlock {
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    /** @param config the architecture */
    LlamaMlp(LlamaConfig config) {
        long d = config.hiddenSize();
        long inner = config.intermediateSize();
        this.gateProj = declareChild("gate_proj", new Linear(d, inner, false));
        this.upProj = declareChild("up_proj", new Linear(d, inner, false));
        this.downProj = declareChild("down_proj", new Linear(inner, d, false));
    }

    /**
     * @param x [B, T, hidden]
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x) {
        NDArray gate = gateProj.forward(x); // [B, T, inner]
        NDArray silu = gate.mul(Activation.sigmoid(gate)); // silu(g) = g * sigmoid(g)
        return downProj.forward(silu.mul(upProj.forward(x))); // [B, T, inner] -> [B, T, hidden]
    }

    /** @return {@code gate_proj} */
    Linear gateProj() {
        return gateProj;
    }

    /** @return {@code up_proj} */
    Linear upProj() {
        return upProj;
    }

    /** @return {@code down_proj} */
    Linear downProj() {
        return downProj;
    }
}
