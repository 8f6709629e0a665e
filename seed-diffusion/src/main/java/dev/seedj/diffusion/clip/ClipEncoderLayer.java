package dev.seedj.diffusion.clip;

import ai.djl.ndarray.NDArray;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.core.nn.LayerNorm;
import dev.seedj.core.nn.MultiHeadAttention;
import dev.seedj.core.nn.SeedBlock;

/**
 * {@code CLIPEncoderLayer}, pre-LayerNorm: {@code x = x + self_attn(layer_norm1(x), causal)};
 * {@code x = x + mlp(layer_norm2(x))}.
 *
 * <p>Forward passes only read parameters and are safe to run concurrently once loaded.
 */
final class ClipEncoderLayer extends SeedBlock {
    private final LayerNorm layerNorm1;
    private final MultiHeadAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final ClipMlp mlp;

    ClipEncoderLayer(ClipTextConfig config) {
        this.selfAttn = declareChild("self_attn", new MultiHeadAttention(config.hiddenSize(), config.hiddenSize(),
                config.numHeads(), new MultiHeadAttention.Names("q_proj", "k_proj", "v_proj", "out_proj")));
        this.layerNorm1 = declareChild("layer_norm1", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
        this.mlp = declareChild("mlp", new ClipMlp(config));
        this.layerNorm2 = declareChild("layer_norm2", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
    }

    /**
     * @param x [B, T, hidden]
     * @param causalMask [1, 1, T, T], 0 on and below the diagonal, float-min above
     * @return [B, T, hidden]
     */
    NDArray forward(NDArray x, NDArray causalMask) {
        NDArray h = x.add(ArrayScopes.branch(x, t -> selfAttn.forward(layerNorm1.forward(t), null, causalMask)));
        return h.add(ArrayScopes.branch(h, t -> mlp.forward(layerNorm2.forward(t))));
    }
}
