package dev.seedj.tokenizer.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.Arrays;
import java.util.Objects;

/**
 * DJL translator from one image's codes to its generation embeddings {@code [N][D]} (v1: 77 x 768 Stable
 * Diffusion conditioning; v2: 1 x 1024 unCLIP embedding), for a model whose block is a
 * {@link SeedTokenizerBlock}. Wrong code counts and codes outside the codebook are refused by the tokenizer
 * with an exception naming the value (wrapped in DJL's {@code TranslateException} by the predictor).
 *
 * <p>Stateless; thread-safe.
 */
public final class CodesDetokenizeTranslator implements Translator<int[], float[][]> {

    @Override
    public NDList processInput(TranslatorContext ctx, int[] input) {
        Objects.requireNonNull(input, "codes");
        long[] codes = Arrays.stream(input).asLongStream().toArray();
        return new NDList(ctx.getNDManager().create(codes, new Shape(codes.length))); // [Q]
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray embeds = list.singletonOrThrow(); // [N, D]
        int n = (int) embeds.getShape().get(0);
        int d = (int) embeds.getShape().get(1);
        float[] flat = embeds.toFloatArray();
        float[][] out = new float[n][];
        for (int t = 0; t < n; t++) {
            out[t] = Arrays.copyOfRange(flat, t * d, (t + 1) * d);
        }
        return out;
    }

    @Override
    public Batchifier getBatchifier() {
        return Batchifier.STACK;
    }
}
