package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;

/**
 * One finished denoising step, as a {@link StepListener} sees it. The arrays are only valid during the callback
 * (the sampler frees them afterwards); copy what must outlive it.
 *
 * <p>Immutable; thread-safe as long as the arrays are only read.
 *
 * @param index the step's position, 0 .. {@code total - 1}
 * @param total the number of steps this run makes (after the reference's spacing)
 * @param timestep the training timestep the step starts from
 * @param x the latents the step started from [B, C, H, W]
 * @param modelOutput the guided model output at {@code (x, timestep)} [B, C, H, W]
 *     (CompVis PLMS: {@code e_t}; diffusers: {@code noise_pred})
 * @param xPrev the latents after the step [B, C, H, W]
 * @param predX0OrNull the sampler's estimate of the clean latents (CompVis samplers), or null
 */
public record SamplerStep(int index, int total, int timestep, NDArray x, NDArray modelOutput, NDArray xPrev,
        NDArray predX0OrNull) {
}
