package dev.seedj.diffusion.sampling;

/**
 * The denoising samplers {@link DiffusionSampling} runs.
 *
 * <p>Immutable and thread-safe.
 */
public enum Sampler {
    /**
     * CompVis {@code PLMSSampler} (SEED v1's choice): uniform {@code make_ddim_timesteps} spacing, a pseudo improved
     * Euler first step (one extra denoiser call), then Adams-Bashforth of order 2, 3 and 4; eta must be 0.
     */
    PLMS,
    /** CompVis {@code DDIMSampler}: uniform {@code make_ddim_timesteps} spacing, eta scales the added noise. */
    DDIM,
    /**
     * diffusers 0.20.2 {@code PNDMScheduler} with {@code skip_prk_steps} (SEED-2's choice): the scheduler config's
     * timestep spacing and {@code steps_offset}, the first timestep run twice, epsilon or v-prediction.
     */
    PNDM,
    /**
     * DPM-Solver++ (2M) as diffusers' {@code DPMSolverMultistepScheduler} ({@code algorithm_type "dpmsolver++"},
     * {@code solver_order 2}, midpoint solver, {@code lower_order_final}): reaches in about 20 steps what PLMS needs
     * 50 for. Not part of either reference pipeline.
     */
    DPMPP_2M
}
