package dev.seedj.diffusion.clip;

/**
 * Which hidden state Stable Diffusion conditions on; both pass through {@code final_layer_norm}.
 *
 * <p>Immutable and thread-safe.
 */
public enum ClipLayer {
    /**
     * {@code last_hidden_state}: SD v1 ({@code FrozenCLIPEmbedder}), and diffusers SD 2.x folders, whose
     * {@code text_encoder} already lacks the last block ({@code num_hidden_layers} 23).
     */
    LAST,
    /**
     * {@code final_layer_norm(hidden_states[L - 1])}: CompVis SD 2.x {@code FrozenOpenCLIPEmbedder(layer="penultimate")}
     * on the full 24-layer OpenCLIP ViT-H text tower (the last block is not run).
     */
    PENULTIMATE
}
