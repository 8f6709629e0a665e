package dev.seedj.llm.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.nn.KvCache;
import dev.seedj.llm.CausalLanguageModel;
import dev.seedj.llm.Vocabulary;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Autoregressive generation with a {@link CausalLanguageModel} (OPT, LLaMA) and its KV cache: greedy decoding, sampling
 * (temperature, top-k, top-p, seeded) and beam search, with a repetition penalty, stop tokens, the image
 * constraint, batches of left-padded prompts and a streaming callback per token.
 *
 * <p>The first step runs the whole (padded) prompt and fills the cache; every later step runs only the newest
 * token of each row. The attention mask grows by a column of ones per step (finished rows are fed the padding
 * token), as Hugging Face's {@code generate} does, so positions and padding behave identically.
 *
 * <p>Immutable and thread-safe: each {@code generate} call makes its own cache and working memory, which it
 * frees before returning, so one generator may serve concurrent calls.
 */
public final class Generator {
    private final CausalLanguageModel model;

    /**
     * @param model the model to generate with (it must stay open while generating)
     */
    public Generator(CausalLanguageModel model) {
        this.model = model;
    }

    /**
     * Generates for prompts of different lengths, left-padding them with the padding token.
     *
     * @param prompts token ids per row
     * @param config how to generate
     * @param listener receives each token as it is chosen, or null (not with beam search)
     * @return the new tokens per row
     */
    public GenerationResult generate(List<long[]> prompts, GenerationConfig config, TokenListener listener) {
        PromptBatch batch = PromptBatch.leftPadded(prompts, padToken(config));
        return generate(batch.inputIds(), batch.attentionMask(), config, listener);
    }

    /**
     * Generates for an already padded batch.
     *
     * @param inputIds [B][T] prompt ids, padded on the left
     * @param attentionMask [B][T] ones for real tokens, zeros for padding; null for all ones
     * @param config how to generate
     * @param listener receives each token as it is chosen, or null (not with beam search)
     * @return the new tokens per row
     * @throws IllegalArgumentException for ids outside the vocabulary, a prompt plus {@code maxNewTokens} longer
     *     than the position table, an image vocabulary outside the model's, or streaming with beam search
     */
    public GenerationResult generate(
            long[][] inputIds, long[][] attentionMask, GenerationConfig config, TokenListener listener) {
        long[][] mask = attentionMask == null ? ones(inputIds) : attentionMask;
        checkFits(inputIds, mask, config, model);
        Vocabulary images = config.imageVocabulary();
        if (images != null && images.maxId() >= model.vocabSize()) {
            throw new IllegalArgumentException("the image vocabulary uses id " + images.maxId()
                    + " but the model's vocabulary has " + model.vocabSize() + " tokens");
        }
        if (listener != null && config.numBeams() > 1) {
            throw new IllegalArgumentException("streaming is not supported with beam search");
        }
        Steps steps = new Steps(config, model);
        if (config.maxNewTokens() == 0) {
            return new GenerationResult(new int[inputIds.length][0],
                    config.returnLogits() ? new float[inputIds.length][0][] : null, null);
        }
        return config.numBeams() > 1
                ? new BeamSearch(model, config, steps).run(inputIds, mask)
                : sampleOrGreedy(inputIds, mask, config, steps, listener);
    }

    private GenerationResult sampleOrGreedy(
            long[][] inputIds, long[][] mask, GenerationConfig config, Steps steps, TokenListener listener) {
        int b = inputIds.length;
        TokenHistory[] histories = new TokenHistory[b];
        for (int r = 0; r < b; r++) {
            histories[r] = new TokenHistory(realTokens(inputIds[r], mask[r]));
        }
        boolean[] finished = new boolean[b];
        float[][][] stepLogits = config.returnLogits() ? new float[b][config.maxNewTokens()][] : null;
        Random rng = new Random(config.seed());
        long[][] fed = inputIds;
        long[][] fullMask = copy(mask);
        int vocab = model.vocabSize();
        int done = 0;
        try (NDManager work = NDManager.newBaseManager(model.device());
                KvCache cache = model.newCache(work)) {
            for (int step = 0; step < config.maxNewTokens(); step++) {
                float[] logits = nextLogits(model, fed, fullMask, cache, work); // [B * V]
                long[][] next = new long[b][1];
                for (int r = 0; r < b; r++) {
                    float[] row = Arrays.copyOfRange(logits, r * vocab, (r + 1) * vocab);
                    if (stepLogits != null) {
                        stepLogits[r][step] = row.clone();
                    }
                    if (finished[r]) {
                        next[r][0] = steps.pad;
                        continue;
                    }
                    steps.process(row, histories[r]);
                    int token = config.doSample()
                            ? LogitsProcessing.sample(row, config.temperature(), config.topK(), config.topP(), rng)
                            : LogitsProcessing.argmax(row);
                    histories[r].add(token);
                    next[r][0] = token;
                    if (listener != null) {
                        listener.onToken(r, token);
                    }
                    if (steps.isStop(token)) {
                        finished[r] = true;
                        done++;
                    }
                }
                if (done == b) {
                    if (stepLogits != null) {
                        trim(stepLogits, step + 1);
                    }
                    break;
                }
                fed = next;
                fullMask = appendOnes(fullMask);
            }
        }
        int[][] tokens = new int[b][];
        for (int r = 0; r < b; r++) {
            tokens[r] = histories[r].generated();
        }
        return new GenerationResult(tokens, stepLogits, null);
    }

    /**
     * Runs one model step and copies the last position's logits out.
     *
     * @return row-major [B * vocab]
     */
    static float[] nextLogits(CausalLanguageModel model, long[][] fed, long[][] fullMask, KvCache cache, NDManager work) {
        try (NDManager step = work.newSubManager()) {
            NDArray logits = model.nextLogits(fed, fullMask, cache, step); // [B, V]
            return logits.toFloatArray();
        }
    }

    private int padToken(GenerationConfig config) {
        return config.padTokenId() == null ? model.padTokenId() : config.padTokenId();
    }

    private static void checkFits(long[][] ids, long[][] mask, GenerationConfig config, CausalLanguageModel mc) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException("no prompt to generate from");
        }
        if (mask.length != ids.length) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " rows but the prompts have "
                    + ids.length);
        }
        for (int r = 0; r < ids.length; r++) {
            if (mask[r].length != ids[r].length) {
                throw new IllegalArgumentException("attention mask row " + r + " has length " + mask[r].length
                        + " but the prompt has " + ids[r].length);
            }
            long real = Arrays.stream(mask[r]).sum();
            if (real + config.maxNewTokens() > mc.maxPositions()) {
                throw new IllegalArgumentException("prompt row " + r + " has " + real + " tokens; with "
                        + config.maxNewTokens() + " new tokens it exceeds max_position_embeddings = "
                        + mc.maxPositions());
            }
        }
    }

    static int[] realTokens(long[] ids, long[] mask) {
        return IntStream.range(0, ids.length)
                .filter(i -> mask[i] != 0)
                .map(i -> (int) ids[i])
                .toArray();
    }

    static long[][] ones(long[][] ids) {
        long[][] out = new long[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            out[r] = new long[ids[r].length];
            Arrays.fill(out[r], 1);
        }
        return out;
    }

    static long[][] copy(long[][] a) {
        long[][] out = new long[a.length][];
        for (int r = 0; r < a.length; r++) {
            out[r] = a[r].clone();
        }
        return out;
    }

    static long[][] appendOnes(long[][] mask) {
        long[][] out = new long[mask.length][];
        for (int r = 0; r < mask.length; r++) {
            out[r] = Arrays.copyOf(mask[r], mask[r].length + 1);
            out[r][mask[r].length] = 1;
        }
        return out;
    }

    private static void trim(float[][][] stepLogits, int steps) {
        for (int r = 0; r < stepLogits.length; r++) {
            stepLogits[r] = Arrays.copyOf(stepLogits[r], steps);
        }
    }

    /**
     * The per-step settings shared by the decoding strategies: the processors applied to each row and the
     * stop/pad tokens.
     */
    static final class Steps {
        final int pad;
        private final int[] stops;
        private final float repetitionPenalty;
        private final ImageConstraint imageConstraint;

        Steps(GenerationConfig config, CausalLanguageModel mc) {
            this.pad = config.padTokenId() == null ? mc.padTokenId() : config.padTokenId();
            this.stops = config.stopTokens() == null ? new int[] {mc.eosTokenId()} : config.stopTokens();
            this.repetitionPenalty = config.repetitionPenalty();
            this.imageConstraint = config.imageVocabulary() == null
                    ? null
                    : new ImageConstraint(config.imageVocabulary(), config.imageTokens());
        }

        /** Repetition penalty then the image constraint, in place. */
        void process(float[] scores, TokenHistory history) {
            if (repetitionPenalty != 1f) {
                LogitsProcessing.repetitionPenalty(scores, history, repetitionPenalty);
            }
            if (imageConstraint != null) {
                imageConstraint.apply(scores, history);
            }
        }

        boolean isStop(int token) {
            for (int s : stops) {
                if (s == token) {
                    return true;
                }
            }
            return false;
        }
    }
}
