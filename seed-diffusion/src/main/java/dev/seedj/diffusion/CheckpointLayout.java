package dev.seedj.diffusion;

/**
 * The two key layouts of Stable Diffusion weights: the CompVis single-file checkpoint
 * ({@code model.diffusion_model.input_blocks.1.0.in_layers.0.weight}, {@code first_stage_model.decoder.up.1.block.0...})
 * and the diffusers folder ({@code unet/.../down_blocks.0.resnets.0.norm1.weight}, {@code vae/.../decoder.up_blocks.0...}).
 * One implementation of each network serves both; this says which names its blocks carry.
 *
 * <p>Immutable and thread-safe.
 */
public enum CheckpointLayout {
    /** CompVis latent-diffusion / stablediffusion names. */
    COMPVIS,
    /** Hugging Face diffusers names. */
    DIFFUSERS
}
