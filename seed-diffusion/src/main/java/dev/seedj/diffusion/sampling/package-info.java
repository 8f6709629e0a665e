/**
 * Denoising samplers for Stable Diffusion, written against a {@link dev.seedj.diffusion.sampling.Denoiser} rather
 * than a particular UNet: CompVis PLMS and DDIM, diffusers PNDM, DPM-Solver++ (2M), classifier-free guidance, the
 * noise schedules, and Stable unCLIP's image-embedding noise augmentation. Entry point:
 * {@link dev.seedj.diffusion.sampling.DiffusionSampling}.
 */
package dev.seedj.diffusion.sampling;
