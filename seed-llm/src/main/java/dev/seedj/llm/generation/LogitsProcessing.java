package dev.seedj.llm.generation;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;

/**
 * The per-row score transformations of Hugging Face's {@code generate}, on plain float arrays: repetition
 * penalty, temperature, top-k and top-p, and the final choice (argmax or a seeded draw).
 *
 * <p>Stateless and thread-safe (the random generator passed in is not).
 */
final class LogitsProcessing {
    private LogitsProcessing() {}

    /**
     * {@code RepetitionPenaltyLogitsProcessor}: every token already in the sequence has its score divided by
     * the penalty if positive, multiplied by it if negative.
     *
     * @param scores [vocab], modified in place
     * @param history the sequence so far (prompt without padding, then generated tokens)
     * @param penalty the penalty
     */
    static void repetitionPenalty(float[] scores, TokenHistory history, float penalty) {
        BitSet seen = new BitSet(scores.length);
        for (int i = 0; i < history.size(); i++) {
            int t = history.get(i);
            if (t >= 0 && t < scores.length && !seen.get(t)) {
                seen.set(t);
                scores[t] = scores[t] < 0 ? scores[t] * penalty : scores[t] / penalty;
            }
        }
    }

    /**
     * @param scores [vocab]
     * @return the index of the largest score (the first on ties, as {@code torch.argmax})
     */
    static int argmax(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Temperature, top-k ({@code TopKLogitsWarper}: ties with the k-th score are kept) and top-p
     * ({@code TopPLogitsWarper}: sorted ascending, tokens whose cumulative probability is at most 1 - p are
     * removed, the most likely token always stays), then a draw from the softmax.
     *
     * @param scores [vocab], modified in place
     * @param temperature divides the scores
     * @param topK 0 for off
     * @param topP 1 for off
     * @param rng the seeded generator of this generation
     * @return the drawn token
     */
    static int sample(float[] scores, float temperature, int topK, float topP, Random rng) {
        if (temperature != 1f) {
            for (int i = 0; i < scores.length; i++) {
                scores[i] /= temperature;
            }
        }
        if (topK > 0 && topK < scores.length) {
            float[] sorted = scores.clone();
            Arrays.sort(sorted);
            float kth = sorted[sorted.length - topK];
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] < kth) {
                    scores[i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        if (topP < 1f) {
            topP(scores, topP);
        }
        double[] probs = softmax(scores);
        double u = rng.nextDouble();
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cumulative += probs[i];
                last = i;
                if (u < cumulative) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    private static void topP(float[] scores, float topP) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b])); // ascending, stable
        double max = scores[order[order.length - 1]];
        double total = 0;
        for (float s : scores) {
            total += Math.exp(s - max);
        }
        double cumulative = 0;
        for (int k = 0; k < order.length - 1; k++) {
            int i = order[k];
            cumulative += Math.exp(scores[i] - max) / total;
            if (cumulative <= 1 - topP) {
                scores[i] = Float.NEGATIVE_INFINITY;
            } else {
                break;
            }
        }
    }

    /**
     * @param scores [vocab], some possibly negative infinity
     * @return the softmax in double precision
     */
    static double[] softmax(float[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] out = new double[scores.length];
        double total = 0;
        for (int i = 0; i < scores.length; i++) {
            out[i] = Math.exp(scores[i] - max);
            total += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= total;
        }
        return out;
    }

    /**
     * @param logits [vocab]
     * @return log-softmax in float precision, as {@code log_softmax} in beam search
     */
    static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float s : logits) {
            max = Math.max(max, s);
        }
        double total = 0;
        for (float s : logits) {
            total += Math.exp(s - max);
        }
        double logTotal = Math.log(total) + max;
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] - logTotal);
        }
        return out;
    }
}
