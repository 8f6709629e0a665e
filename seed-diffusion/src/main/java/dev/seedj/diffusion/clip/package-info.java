/**
 * The CLIP text encoder Stable Diffusion conditions on ({@link dev.seedj.diffusion.clip.ClipTextModel}), CLIP's BPE
 * tokenizer ({@link dev.seedj.diffusion.clip.ClipTokenizer}) and the two together as a prompt-to-context encoder
 * ({@link dev.seedj.diffusion.clip.StableDiffusionTextEncoder}).
 */
package dev.seedj.diffusion.clip;
