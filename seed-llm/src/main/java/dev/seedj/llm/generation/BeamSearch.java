package dev.seedj.llm.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.KvCache;
import dev.seedj.llm.CausalLanguageModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Beam search as Hugging Face's {@code BeamSearchScorer}: each row keeps {@code numBeams} running beams scored
 * by their summed log-probabilities; each step takes the best {@code 2 * numBeams} continuations over all
 * beams, moves those ending in a stop token (ranked within the first {@code numBeams}) to the finished
 * hypotheses, and keeps the best {@code numBeams} others. A finished hypothesis scores
 * {@code sum / length^lengthPenalty}, its length counting the generated tokens including the stop token. A
 * row is done when it has {@code numBeams} hypotheses and (with early stopping) at once, or (without) when
 * the best running score cannot beat the worst hypothesis any more. At the end, running beams of unfinished
 * rows join the hypotheses and the best hypothesis of each row is returned.
 *
 * <p>Not thread-safe: one instance per generation.
 */
final class BeamSearch {
    private static final double INITIAL_OTHER_BEAMS = -1e9;

    private final CausalLanguageModel model;
    private final GenerationConfig config;
    private final Generator.Steps steps;
    private final int k;

    BeamSearch(CausalLanguageModel model, GenerationConfig config, Generator.Steps steps) {
        this.model = model;
        this.config = config;
        this.steps = steps;
        this.k = config.numBeams();
    }

    /**
     * @param inputIds [B][T] left-padded prompts
     * @param mask [B][T]
     * @return the best hypothesis per row
     */
    GenerationResult run(long[][] inputIds, long[][] mask) {
        int b = inputIds.length;
        int n = b * k;
        int vocab = model.vocabSize();
        long[][] fed = new long[n][];
        long[][] fullMask = new long[n][];
        TokenHistory[] histories = new TokenHistory[n];
        double[] beamScores = new double[n];
        for (int r = 0; r < b; r++) {
            int[] real = Generator.realTokens(inputIds[r], mask[r]);
            for (int j = 0; j < k; j++) {
                int i = r * k + j;
                fed[i] = inputIds[r].clone();
                fullMask[i] = mask[r].clone();
                histories[i] = new TokenHistory(real);
                beamScores[i] = j == 0 ? 0 : INITIAL_OTHER_BEAMS;
            }
        }
        Hypotheses[] hypotheses = new Hypotheses[b];
        for (int r = 0; r < b; r++) {
            hypotheses[r] = new Hypotheses(k, config.lengthPenalty(), config.earlyStopping());
        }
        boolean[] done = new boolean[b];
        try (NDManager work = NDManager.newBaseManager(model.device());
                KvCache cache = model.newCache(work)) {
            for (int step = 0; step < config.maxNewTokens(); step++) {
                float[] logits = Generator.nextLogits(model, fed, fullMask, cache, work); // [N * V]
                int[] nextTokens = new int[n];
                int[] sources = new int[n];
                double[] nextScores = new double[n];
                for (int r = 0; r < b; r++) {
                    if (done[r]) {
                        for (int j = 0; j < k; j++) {
                            nextTokens[r * k + j] = steps.pad;
                            sources[r * k + j] = r * k + j;
                        }
                        continue;
                    }
                    done[r] = selectRow(r, logits, vocab, histories, beamScores, hypotheses[r],
                            nextTokens, sources, nextScores);
                }
                boolean allDone = true;
                for (boolean d : done) {
                    allDone &= d;
                }
                histories = advance(histories, sources, nextTokens);
                beamScores = nextScores;
                if (allDone || step == config.maxNewTokens() - 1) {
                    break;
                }
                try (NDManager scope = work.newSubManager()) {
                    NDArray order = scope.create(Arrays.stream(sources).asLongStream().toArray());
                    cache.reorder(order);
                }
                long[][] reordered = new long[n][];
                long[][] stepIds = new long[n][1];
                for (int i = 0; i < n; i++) {
                    reordered[i] = fullMask[sources[i]];
                    stepIds[i][0] = nextTokens[i];
                }
                fed = stepIds;
                fullMask = Generator.appendOnes(reordered);
            }
        }
        int[][] tokens = new int[b][];
        double[] scores = new double[b];
        for (int r = 0; r < b; r++) {
            if (!done[r]) {
                for (int j = 0; j < k; j++) {
                    int i = r * k + j;
                    hypotheses[r].add(histories[i].generated(), beamScores[i]);
                }
            }
            Hypotheses.Hypothesis best = hypotheses[r].best();
            tokens[r] = best.tokens();
            scores[r] = best.score();
        }
        return new GenerationResult(tokens, null, scores);
    }

    /**
     * Chooses row {@code r}'s next beams.
     *
     * @return whether the row is done
     */
    private boolean selectRow(int r, float[] logits, int vocab, TokenHistory[] histories, double[] beamScores,
            Hypotheses hyps, int[] nextTokens, int[] sources, double[] nextScores) {
        int want = 2 * k;
        List<double[]> candidates = new ArrayList<>(); // {score, beam index, token}
        for (int j = 0; j < k; j++) {
            int i = r * k + j;
            float[] scores = LogitsProcessing.logSoftmax(Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab));
            steps.process(scores, histories[i]);
            for (int t : topIndices(scores, Math.min(want, vocab))) {
                candidates.add(new double[] {scores[t] + beamScores[i], i, t});
            }
        }
        candidates.sort(Comparator.<double[]>comparingDouble(c -> -c[0])
                .thenComparingDouble(c -> c[1] * vocab + c[2]));
        int filled = 0;
        for (int rank = 0; rank < Math.min(want, candidates.size()) && filled < k; rank++) {
            double[] c = candidates.get(rank);
            int beam = (int) c[1];
            int token = (int) c[2];
            if (steps.isStop(token)) {
                if (rank < k) {
                    int[] generated = Arrays.copyOf(histories[beam].generated(), histories[beam].generatedCount() + 1);
                    generated[generated.length - 1] = token;
                    hyps.add(generated, c[0]);
                }
            } else {
                int slot = r * k + filled++;
                nextTokens[slot] = token;
                sources[slot] = beam;
                nextScores[slot] = c[0];
            }
        }
        for (; filled < k; filled++) { // fewer live continuations than beams: keep dead copies
            int slot = r * k + filled;
            nextTokens[slot] = steps.pad;
            sources[slot] = r * k;
            nextScores[slot] = Double.NEGATIVE_INFINITY;
        }
        int length = histories[r * k].generatedCount() + 1;
        return hyps.isDone(candidates.get(0)[0], length);
    }

    private static TokenHistory[] advance(TokenHistory[] histories, int[] sources, int[] tokens) {
        TokenHistory[] out = new TokenHistory[histories.length];
        for (int i = 0; i < histories.length; i++) {
            out[i] = histories[sources[i]].copy();
            out[i].add(tokens[i]);
        }
        return out;
    }

    /** @return the indices of the {@code count} largest scores, best first (lower index first on ties) */
    private static int[] topIndices(float[] scores, int count) {
        int[] best = new int[count];
        int size = 0;
        for (int t = 0; t < scores.length; t++) {
            float s = scores[t];
            if (size == count && !(s > scores[best[size - 1]])) {
                continue;
            }
            int pos = size == count ? size - 1 : size++;
            while (pos > 0 && s > scores[best[pos - 1]]) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = t;
        }
        return Arrays.copyOf(best, size);
    }

    /** The finished hypotheses of one row, at most {@code numBeams}, best kept. */
    private static final class Hypotheses {
        record Hypothesis(int[] tokens, double score) {}

        private final int capacity;
        private final float lengthPenalty;
        private final boolean earlyStopping;
        private final List<Hypothesis> kept = new ArrayList<>();

        Hypotheses(int capacity, float lengthPenalty, boolean earlyStopping) {
            this.capacity = capacity;
            this.lengthPenalty = lengthPenalty;
            this.earlyStopping = earlyStopping;
        }

        void add(int[] tokens, double sumLogProbs) {
            double score = sumLogProbs / Math.pow(Math.max(tokens.length, 1), lengthPenalty);
            if (kept.size() < capacity || score > worst()) {
                kept.add(new Hypothesis(tokens, score));
                kept.sort(Comparator.comparingDouble(h -> -h.score()));
                if (kept.size() > capacity) {
                    kept.remove(kept.size() - 1);
                }
            }
        }

        boolean isDone(double bestRunningSum, int length) {
            if (kept.size() < capacity) {
                return false;
            }
            return earlyStopping || worst() >= bestRunningSum / Math.pow(length, lengthPenalty);
        }

        private double worst() {
            return kept.isEmpty() ? Double.NEGATIVE_INFINITY : kept.get(kept.size() - 1).score();
        }

        Hypothesis best() {
            return kept.get(0);
        }
    }
}
