/**
 * SEED-mini: a complete small SEED tokenizer and SEED-OPT trained in Java on the shapes-64 world
 * ({@link dev.seedj.examples.shapes}), with a small {@link dev.seedj.examples.mini.PixelDecoder} standing in for
 * Stable Diffusion. {@link dev.seedj.examples.mini.SeedMiniRecipe} trains everything from one seed;
 * {@link dev.seedj.examples.mini.SeedMiniEvaluation} measures the acceptance figures.
 */
package dev.seedj.examples.mini;
