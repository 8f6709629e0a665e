/**
 * Stable Diffusion on the JVM: the UNet, VAE, CLIP text encoder and samplers that turn SEED's conditioning
 * (SEED v1's 77 x 768 text context, SEED-2's 1 x 1024 unCLIP image embedding) into pictures.
 */
package dev.seedj.diffusion;
