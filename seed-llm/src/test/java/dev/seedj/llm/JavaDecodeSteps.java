package dev.seedj.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.DecodeThreads;
import dev.seedj.core.nn.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Compares a model's decoding steps computed in Java ({@code OptDecodeStep}, {@code LlamaDecodeStep}) with
 * libtorch's forward pass of the same steps ({@code -Dseedj.decode.step=libtorch}): every step's logits over a greedy
 * continuation long enough to grow the cache past its first capacity of 16 positions (shared by the OPT and LLaMA
 * tests).
 */
public final class JavaDecodeSteps {
    /** Greedy steps after the prompt. */
    public static final int STEPS = 24;
    /** The prompt every comparison decodes from. */
    public static final long[] PROMPT = {2, 17, 5, 31, 8};

    private JavaDecodeSteps() {}

    /**
     * Decodes {@link #PROMPT} greedily with Java steps and with libtorch's, checks that the Java step applies after
     * the prompt ({@code applies} is asked with the cache holding the prompt), and compares every step's logits.
     *
     * @param model the model
     * @param promptMask the prompt's attention mask, or null for all ones
     * @param applies whether the model's Java step would run for a one-token step on the given cache
     * @param tolerance the largest logit difference allowed
     */
    public static void assertSameSteps(CausalLanguageModel model, long[] promptMask, Predicate<KvCache> applies,
            double tolerance) {
        List<float[]> java = decode(model, promptMask, applies);
        System.setProperty(DecodeThreads.STEP_PROPERTY, "libtorch");
        List<float[]> libtorch;
        try {
            libtorch = decode(model, promptMask, cache -> !applies.test(cache));
        } finally {
            System.clearProperty(DecodeThreads.STEP_PROPERTY);
        }
        assertEquals(STEPS + 1, java.size());
        double worst = 0;
        for (int s = 0; s < java.size(); s++) {
            float[] a = java.get(s);
            float[] b = libtorch.get(s);
            assertEquals(argmax(b), argmax(a), "greedy token of step " + s);
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        assertTrue(worst <= tolerance, "largest logit difference " + worst);
    }

    /**
     * @param expectation asked after the prompt with the cache; must hold (the step applies, or does not)
     * @return the logits of the prompt and of each greedy step
     */
    private static List<float[]> decode(CausalLanguageModel model, long[] promptMask, Predicate<KvCache> expectation) {
        List<float[]> steps = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager(); KvCache cache = model.newCache(m)) {
            long[] mask = promptMask == null ? null : promptMask.clone();
            NDArray logits = model.nextLogits(new long[][] {PROMPT}, mask == null ? null : new long[][] {mask},
                    cache, m);
            assertTrue(expectation.test(cache), "whether the Java step applies after the prompt");
            for (int s = 0; s <= STEPS; s++) {
                float[] row = logits.toFloatArray();
                logits.close();
                steps.add(row);
                if (s == STEPS) {
                    break;
                }
                if (mask != null) {
                    mask = Arrays.copyOf(mask, mask.length + 1);
                    mask[mask.length - 1] = 1;
                }
                logits = model.nextLogits(new long[][] {{argmax(row)}}, mask == null ? null : new long[][] {mask},
                        cache, m);
            }
        }
        return steps;
    }

    /** @return the index of the largest value */
    public static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
