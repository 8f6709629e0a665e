package dev.seedj.llm.generation;

import ai.djl.ndarray.NDManager;
import dev.seedj.llm.OptModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A deliberately plain beam search for the tests: no cache (every step recomputes every beam's whole
 * sequence), lists of candidates sorted in full, Hugging Face's rules written out once more.
 */
final class NaiveBeamSearch {
    private NaiveBeamSearch() {}

    record Result(int[] tokens, double score) {}

    private record Beam(int[] tokens, double sum) {}

    static Result run(OptModel model, long[] prompt, int k, int maxNew, int stop, float lengthPenalty) {
        List<Beam> beams = new ArrayList<>();
        beams.add(new Beam(new int[0], 0));
        List<Result> done = new ArrayList<>();
        for (int step = 0; step < maxNew; step++) {
            List<double[]> candidates = new ArrayList<>(); // {sum, beam, token}
            for (int b = 0; b < beams.size(); b++) {
                float[] logp = LogitsProcessing.logSoftmax(lastLogits(model, prompt, beams.get(b).tokens()));
                for (int t = 0; t < logp.length; t++) {
                    candidates.add(new double[] {beams.get(b).sum() + logp[t], b, t});
                }
            }
            candidates.sort(Comparator.<double[]>comparingDouble(c -> -c[0])
                    .thenComparingDouble(c -> c[1] * 1e6 + c[2]));
            List<Beam> next = new ArrayList<>();
            for (int rank = 0; rank < 2 * k && next.size() < k; rank++) {
                double[] c = candidates.get(rank);
                int[] tokens = append(beams.get((int) c[1]).tokens(), (int) c[2]);
                if ((int) c[2] == stop) {
                    if (rank < k) {
                        add(done, new Result(tokens, c[0] / Math.pow(tokens.length, lengthPenalty)), k);
                    }
                } else {
                    next.add(new Beam(tokens, c[0]));
                }
            }
            beams = next;
            if (done.size() == k
                    && done.get(k - 1).score() >= candidates.get(0)[0] / Math.pow(step + 1, lengthPenalty)) {
                return done.get(0);
            }
        }
        for (Beam b : beams) {
            add(done, new Result(b.tokens(), b.sum() / Math.pow(b.tokens().length, lengthPenalty)), k);
        }
        return done.get(0);
    }

    static double logProb(OptModel model, long[] prompt, int[] tokens) {
        double sum = 0;
        for (int i = 0; i < tokens.length; i++) {
            sum += LogitsProcessing.logSoftmax(lastLogits(model, prompt, Arrays.copyOf(tokens, i)))[tokens[i]];
        }
        return sum;
    }

    private static void add(List<Result> done, Result r, int k) {
        if (done.size() < k || r.score() > done.get(done.size() - 1).score()) {
            done.add(r);
            done.sort(Comparator.comparingDouble(x -> -x.score()));
            if (done.size() > k) {
                done.remove(done.size() - 1);
            }
        }
    }

    private static int[] append(int[] a, int t) {
        int[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = t;
        return out;
    }

    private static float[] lastLogits(OptModel model, long[] prompt, int[] generated) {
        long[] seq = Arrays.copyOf(prompt, prompt.length + generated.length);
        for (int i = 0; i < generated.length; i++) {
            seq[prompt.length + i] = generated[i];
        }
        try (NDManager m = NDManager.newBaseManager()) {
            return model.logits(new long[][] {seq}, null, m).get(":, -1, :").toFloatArray();
        }
    }
}
