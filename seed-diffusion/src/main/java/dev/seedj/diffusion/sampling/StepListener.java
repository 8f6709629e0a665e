package dev.seedj.diffusion.sampling;

/**
 * Told after every denoising step (a progress bar, a preview, a test recording the trajectory).
 *
 * <p>Called on the sampling thread only.
 */
@FunctionalInterface
public interface StepListener {
    /**
     * @param step the finished step; its arrays are valid only during this call
     */
    void onStep(SamplerStep step);
}
