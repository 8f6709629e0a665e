package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The network a sampler calls once per denoising evaluation, usually a UNet: {@code StableDiffusion.unet} fits
 * as a method reference. Under classifier-free guidance the samplers call it once per evaluation on the batch
 * {@code [unconditional; conditional]}, as the references do.
 *
 * <p>Implementations must be safe to call from the sampling thread; the samplers never call it concurrently.
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * @param x the noisy latents [N, C, H, W]
     * @param t the training timestep of every row, int64 [N]
     * @param context the cross-attention context [N, 77, D]
     * @param classLabelsOrNull class conditioning [N, E] (SD 2.1 unCLIP's noised image embedding), or null
     * @param manager owns the output (the sampler frees it after the step)
     * @return the model output [N, C, H, W]: noise or velocity, as the {@link SchedulerConfig} says
     */
    NDArray predict(NDArray x, NDArray t, NDArray context, NDArray classLabelsOrNull, NDManager manager);
}
