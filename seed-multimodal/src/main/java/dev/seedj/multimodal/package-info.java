/**
 * Where the language model and the SEED image tokenizer meet: {@link dev.seedj.multimodal.SeedMultimodalModel},
 * the multimodal facade (captions, answers, text to image codes and conditioning), implemented for OPT by
 * {@link dev.seedj.multimodal.SeedOpt} and for LLaMA by {@link dev.seedj.multimodal.SeedLlama}, the family read
 * from {@code config.json} ({@link dev.seedj.multimodal.LanguageModelFamily}). A user of the language model
 * alone depends on {@code seed-llm}, which does not pull in the tokenizer.
 */
package dev.seedj.multimodal;
