/**
 * The SEED tokenizer through DJL's own API: {@link dev.seedj.tokenizer.djl.SeedTokenizerModels} makes a DJL
 * {@code Model} whose block ({@link dev.seedj.tokenizer.djl.SeedTokenizerBlock}) is a
 * {@link dev.seedj.tokenizer.SeedTokenizer}; {@link dev.seedj.tokenizer.djl.ImageTokenizeTranslator}
 * ({@code Image -> int[]}) and {@link dev.seedj.tokenizer.djl.CodesDetokenizeTranslator}
 * ({@code int[] -> float[][]}) plug it into {@code Predictor}s. {@link dev.seedj.tokenizer.djl.Nd4jTokenizer}
 * offers the tokenizer to ND4J code (needs ND4J on the class path).
 */
package dev.seedj.tokenizer.djl;
