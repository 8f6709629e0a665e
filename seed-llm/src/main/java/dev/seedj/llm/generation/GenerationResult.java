package dev.seedj.llm.generation;

/**
 * What a generation produced.
 *
 * <p>Immutable by convention (arrays are not copied); safe to share once returned.
 *
 * @param tokens per batch row, the new tokens (without the prompt), up to and including the stop token that
 *     ended the row, if any
 * @param stepLogits per row and step, the model's raw logits [B][steps][vocab] when requested
 *     ({@link GenerationConfig.Builder#returnLogits}), else null; not available with beam search
 * @param sequenceScores per row, the beam-search score of the returned hypothesis (sum of log-probabilities
 *     divided by length^lengthPenalty), else null
 */
public record GenerationResult(int[][] tokens, float[][][] stepLogits, double[] sequenceScores) {}
