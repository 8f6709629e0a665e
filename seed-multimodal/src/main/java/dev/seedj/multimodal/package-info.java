/**
 * Where the language model and the SEED image tokenizer meet: {@link dev.seedj.multimodal.SeedOpt}, the
 * multimodal facade (captions, answers, text to image codes and conditioning). A user of the language model
 * alone depends on {@code seed-llm}, which does not pull in the tokenizer.
 */
package dev.seedj.multimodal;
