package dev.seedj.llm.generation;

import dev.seedj.llm.Vocabulary;
import java.util.Arrays;

/**
 * How to generate: the decoding strategy (greedy, sampling with temperature / top-k / top-p, or beam search),
 * the repetition penalty, the number of new tokens, the stop tokens, and optionally the image constraint
 * (between {@code <img>} and {@code </img>} only image tokens, exactly {@code imageTokens} of them, then
 * {@code </img>}).
 *
 * <p>The processing order follows Hugging Face's {@code generate}: repetition penalty, image constraint, then
 * (sampling only) temperature, top-k and top-p. Defaults: greedy, 20 new tokens, no repetition penalty, the
 * model's {@code eos_token_id} as the only stop token, its {@code pad_token_id} for padding.
 *
 * <p>Immutable and thread-safe.
 */
public final class GenerationConfig {
    private final int maxNewTokens;
    private final boolean doSample;
    private final float temperature;
    private final int topK;
    private final float topP;
    private final long seed;
    private final int numBeams;
    private final float lengthPenalty;
    private final boolean earlyStopping;
    private final float repetitionPenalty;
    private final int[] stopTokens;
    private final Integer padTokenId;
    private final Vocabulary imageVocabulary;
    private final int imageTokens;
    private final boolean returnLogits;

    private GenerationConfig(Builder b) {
        this.maxNewTokens = b.maxNewTokens;
        this.doSample = b.doSample;
        this.temperature = b.temperature;
        this.topK = b.topK;
        this.topP = b.topP;
        this.seed = b.seed;
        this.numBeams = b.numBeams;
        this.lengthPenalty = b.lengthPenalty;
        this.earlyStopping = b.earlyStopping;
        this.repetitionPenalty = b.repetitionPenalty;
        this.stopTokens = b.stopTokens == null ? null : b.stopTokens.clone();
        this.padTokenId = b.padTokenId;
        this.imageVocabulary = b.imageVocabulary;
        this.imageTokens = b.imageTokens;
        this.returnLogits = b.returnLogits;
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @param maxNewTokens tokens to generate at most
     * @return greedy decoding with otherwise default settings
     */
    public static GenerationConfig greedy(int maxNewTokens) {
        return builder().maxNewTokens(maxNewTokens).build();
    }

    /** @return a builder starting from this config */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxNewTokens = maxNewTokens;
        b.doSample = doSample;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.seed = seed;
        b.numBeams = numBeams;
        b.lengthPenalty = lengthPenalty;
        b.earlyStopping = earlyStopping;
        b.repetitionPenalty = repetitionPenalty;
        b.stopTokens = stopTokens == null ? null : stopTokens.clone();
        b.padTokenId = padTokenId;
        b.imageVocabulary = imageVocabulary;
        b.imageTokens = imageTokens;
        b.returnLogits = returnLogits;
        return b;
    }

    /** @return tokens to generate at most */
    public int maxNewTokens() {
        return maxNewTokens;
    }

    /** @return true to sample, false for greedy or beam search */
    public boolean doSample() {
        return doSample;
    }

    /** @return the sampling temperature */
    public float temperature() {
        return temperature;
    }

    /** @return keep the k most likely tokens when sampling (0: off) */
    public int topK() {
        return topK;
    }

    /** @return keep the smallest set of most likely tokens whose probability reaches p when sampling (1: off) */
    public float topP() {
        return topP;
    }

    /** @return the sampling seed */
    public long seed() {
        return seed;
    }

    /** @return number of beams (1: no beam search) */
    public int numBeams() {
        return numBeams;
    }

    /** @return beam scores are divided by length^lengthPenalty */
    public float lengthPenalty() {
        return lengthPenalty;
    }

    /** @return stop a row's beam search as soon as it has numBeams finished hypotheses */
    public boolean earlyStopping() {
        return earlyStopping;
    }

    /** @return the repetition penalty (1: off) */
    public float repetitionPenalty() {
        return repetitionPenalty;
    }

    /** @return the stop tokens, or null for the model's end-of-sequence token */
    public int[] stopTokens() {
        return stopTokens == null ? null : stopTokens.clone();
    }

    /** @return the padding token, or null for the model's */
    public Integer padTokenId() {
        return padTokenId;
    }

    /** @return the image vocabulary the image constraint uses, or null when the constraint is off */
    public Vocabulary imageVocabulary() {
        return imageVocabulary;
    }

    /** @return image tokens between {@code <img>} and {@code </img>} */
    public int imageTokens() {
        return imageTokens;
    }

    /** @return whether the raw logits of every step are returned */
    public boolean returnLogits() {
        return returnLogits;
    }

    @Override
    public String toString() {
        return "GenerationConfig[maxNewTokens=" + maxNewTokens + ", doSample=" + doSample + ", temperature="
                + temperature + ", topK=" + topK + ", topP=" + topP + ", seed=" + seed + ", numBeams=" + numBeams
                + ", lengthPenalty=" + lengthPenalty + ", earlyStopping=" + earlyStopping + ", repetitionPenalty="
                + repetitionPenalty + ", stopTokens=" + Arrays.toString(stopTokens) + ", imageConstraint="
                + (imageVocabulary != null) + ", imageTokens=" + imageTokens + "]";
    }

    /**
     * Builds a {@link GenerationConfig}, checking every value.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private int maxNewTokens = 20;
        private boolean doSample;
        private float temperature = 1f;
        private int topK;
        private float topP = 1f;
        private long seed;
        private int numBeams = 1;
        private float lengthPenalty = 1f;
        private boolean earlyStopping;
        private float repetitionPenalty = 1f;
        private int[] stopTokens;
        private Integer padTokenId;
        private Vocabulary imageVocabulary;
        private int imageTokens = 32;
        private boolean returnLogits;

        private Builder() {}

        /**
         * @param n tokens to generate at most (>= 0)
         * @return this builder
         */
        public Builder maxNewTokens(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + n);
            }
            this.maxNewTokens = n;
            return this;
        }

        /**
         * Samples from the processed distribution instead of taking the most likely token.
         *
         * @param temperature divides the logits (> 0)
         * @param topK keep the k most likely tokens (0: off)
         * @param topP keep the smallest set of most likely tokens whose probability reaches p (in (0, 1])
         * @param seed the random seed: the same seed and inputs give the same tokens
         * @return this builder
         */
        public Builder sample(float temperature, int topK, float topP, long seed) {
            if (!(temperature > 0) || Float.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("topK must be >= 0, got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
            }
            this.doSample = true;
            this.temperature = temperature;
            this.topK = topK;
            this.topP = topP;
            this.seed = seed;
            return this;
        }

        /**
         * Beam search (without sampling).
         *
         * @param numBeams beams per row (>= 1)
         * @param lengthPenalty exponent of the length that divides a hypothesis' log-probability
         * @param earlyStopping finish a row once it has numBeams finished hypotheses
         * @return this builder
         */
        public Builder beams(int numBeams, float lengthPenalty, boolean earlyStopping) {
            if (numBeams < 1) {
                throw new IllegalArgumentException("numBeams must be >= 1, got " + numBeams);
            }
            this.numBeams = numBeams;
            this.lengthPenalty = lengthPenalty;
            this.earlyStopping = earlyStopping;
            return this;
        }

        /**
         * @param penalty divides positive and multiplies negative logits of tokens already in the sequence
         *     (Hugging Face's {@code repetition_penalty}; > 0, 1 is off)
         * @return this builder
         */
        public Builder repetitionPenalty(float penalty) {
            if (!(penalty > 0) || Float.isInfinite(penalty)) {
                throw new IllegalArgumentException("repetitionPenalty must be a positive number, got " + penalty);
            }
            this.repetitionPenalty = penalty;
            return this;
        }

        /**
         * @param tokens a row ends after generating any of these (empty: only maxNewTokens ends it)
         * @return this builder
         */
        public Builder stopTokens(int... tokens) {
            this.stopTokens = tokens.clone();
            return this;
        }

        /**
         * @param padTokenId the id fed for finished rows and used for left padding
         * @return this builder
         */
        public Builder padTokenId(int padTokenId) {
            this.padTokenId = padTokenId;
            return this;
        }

        /**
         * Turns on the image constraint: inside {@code <img>}...{@code </img>} only image tokens, exactly
         * {@code tokensPerImage} of them, then {@code </img>}; outside an image no image token and no
         * {@code </img>}.
         *
         * @param vocabulary the image tokens
         * @param tokensPerImage tokens per image (32 for SEED)
         * @return this builder
         */
        public Builder imageConstraint(Vocabulary vocabulary, int tokensPerImage) {
            if (tokensPerImage <= 0) {
                throw new IllegalArgumentException("tokensPerImage must be positive, got " + tokensPerImage);
            }
            this.imageVocabulary = vocabulary;
            this.imageTokens = tokensPerImage;
            return this;
        }

        /**
         * @param enabled return the raw logits of every step (greedy and sampling)
         * @return this builder
         */
        public Builder returnLogits(boolean enabled) {
            this.returnLogits = enabled;
            return this;
        }

        /**
         * @return the config
         * @throws IllegalArgumentException for sampling combined with beam search, or logits with beam search
         */
        public GenerationConfig build() {
            if (doSample && numBeams > 1) {
                throw new IllegalArgumentException("beam sampling is not supported: choose sampling or beam search");
            }
            if (returnLogits && numBeams > 1) {
                throw new IllegalArgumentException("returnLogits is not available with beam search");
            }
            return new GenerationConfig(this);
        }
    }
}
