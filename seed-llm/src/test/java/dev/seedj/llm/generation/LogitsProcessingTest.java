package dev.seedj.llm.generation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The score transformations of sampling and the repetition penalty, on hand-made scores. */
class LogitsProcessingTest {
    private static final float[] PROBS = {0.5f, 0.3f, 0.2f};

    private static float[] logits() {
        float[] out = new float[PROBS.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.log(PROBS[i]) + 7f; // any shift: softmax is shift-invariant
        }
        return out;
    }

    private static double[] frequencies(float temperature, int topK, float topP) {
        Random rng = new Random(42);
        double[] counts = new double[PROBS.length];
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            counts[LogitsProcessing.sample(logits(), temperature, topK, topP, rng)]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= n;
        }
        return counts;
    }

    @Test
    void samplingFollowsTheSoftmax() {
        double[] f = frequencies(1f, 0, 1f);
        for (int i = 0; i < PROBS.length; i++) {
            assertEquals(PROBS[i], f[i], 0.01, "token " + i);
        }
    }

    @Test
    void temperatureSharpens() {
        double[] f = frequencies(0.5f, 0, 1f); // p^2 normalised: .25/.38, .09/.38, .04/.38
        assertEquals(0.25 / 0.38, f[0], 0.01);
        assertEquals(0.04 / 0.38, f[2], 0.01);
    }

    @Test
    void topKKeepsTheKBest() {
        double[] f = frequencies(1f, 2, 1f);
        assertEquals(0.0, f[2]);
        assertEquals(0.5 / 0.8, f[0], 0.01);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double[] f = frequencies(1f, 0, 0.6f); // 0.2 is removed (cumulative 0.2 <= 0.4), 0.3 stays
        assertEquals(0.0, f[2]);
        assertEquals(0.5 / 0.8, f[0], 0.01);
        double[] g = frequencies(1f, 0, 0.5f); // 0.2 and 0.3 are removed (cumulative 0.5 <= 0.5)
        assertEquals(1.0, g[0]);
    }

    @Test
    void argmaxTakesTheFirstMaximum() {
        assertEquals(1, LogitsProcessing.argmax(new float[] {1f, 3f, 3f, -2f}));
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOnce() {
        float[] scores = {2f, -2f, 4f, 1f};
        TokenHistory h = new TokenHistory(new int[] {0, 1, 1});
        LogitsProcessing.repetitionPenalty(scores, h, 2f);
        assertArrayEquals(new float[] {1f, -4f, 4f, 1f}, scores);
    }

    @Test
    void logSoftmaxNormalises() {
        float[] l = LogitsProcessing.logSoftmax(logits());
        for (int i = 0; i < PROBS.length; i++) {
            assertEquals(Math.log(PROBS[i]), l[i], 1e-6);
        }
    }
}
