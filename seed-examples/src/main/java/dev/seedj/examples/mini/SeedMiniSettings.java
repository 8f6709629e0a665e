package dev.seedj.examples.mini;

import dev.seedj.core.image.ResizeMode;
import dev.seedj.core.nn.ActivationFunction;
import dev.seedj.llm.OptConfig;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.List;

/**
 * Every size and step count of a SEED-mini run. {@link #standard()} is the recipe of the bundled model (its
 * tokenizer stages see {@link Degradation degraded} pictures too); {@link #smoke()} the same pipeline at a few steps
 * (tests, a first check that everything runs).
 *
 * <p>Immutable and thread-safe.
 *
 * @param trainPool distinct training scenes the tokenizer stages cycle through (the standard recipe's pool is
 *     larger than both stages' steps x batch, so that no scene is seen twice)
 * @param degradedShare share of the tokenizer stages' training pictures that are {@link Degradation degraded}
 *     ({@link ShapeBatches}), 0 .. 1
 * @param stage1Steps stage-1 optimizer steps
 * @param stage1Batch stage-1 batch size
 * @param stage1Lr stage-1 peak learning rate
 * @param stage2Steps stage-2 optimizer steps
 * @param stage2Batch stage-2 batch size
 * @param stage2Lr stage-2 peak learning rate
 * @param lmPool training scenes turned into the base language model's sequences (each gives one per direction)
 * @param lmSteps language-model optimizer steps
 * @param lmBatch language-model batch size
 * @param lmLr language-model peak learning rate
 * @param mixPool training scenes turned into task-mix sequences (each gives four, {@link MiniSequences#taskMix});
 *     the LoRA phase uses the first eighth of them
 * @param mixSteps task-mix fine-tuning steps (batch {@code lmBatch})
 * @param mixLr task-mix peak learning rate
 * @param loraSteps LoRA optimizer steps
 * @param loraBatch LoRA batch size
 * @param loraLr LoRA peak learning rate
 */
public record SeedMiniSettings(int trainPool, double degradedShare, int stage1Steps, int stage1Batch, double stage1Lr,
        int stage2Steps, int stage2Batch, double stage2Lr, int lmPool, int lmSteps, int lmBatch, double lmLr,
        int mixPool, int mixSteps, double mixLr, int loraSteps, int loraBatch, double loraLr) {

    /**
     * Width of the vision encoder. 128, not 64: at width 64 the stage-1 model confused small circles, squares and
     * triangles (R@1 about 91% on held-out pictures, against 98% at 128 after the same 3000 steps).
     */
    public static final int VISION_WIDTH = 128;
    /** Share of degraded pictures in the tokenizer stages' batches of the standard recipe. */
    public static final double DEGRADED_SHARE = 0.5;
    /** Codebook entries (small, so that at least a quarter of them is used on the test split). */
    public static final int CODEBOOK_SIZE = 256;
    /** Width of the generation embedding (the v2-style image head's output, the pixel decoder's input). */
    public static final int GENERATION_DIM = 128;
    /** The pixel decoder's channels after its projection and each upsampling. */
    public static final int[] PIXEL_CHANNELS = {64, 32, 16, 16};

    /** @return the recipe of the bundled model */
    public static SeedMiniSettings standard() {
        return builder().build();
    }

    /** @return the same pipeline with a few steps of each phase */
    public static SeedMiniSettings smoke() {
        return builder().trainPool(64).stage1Steps(3).stage1Batch(8)
                .stage2Steps(3).stage2Batch(8).lmPool(16).lmSteps(3).lmBatch(8).mixPool(16).mixSteps(3).loraSteps(3)
                .loraBatch(4).loraLr(1e-3).build();
    }

    /** @return a builder starting from the {@link #standard()} recipe */
    public static Builder builder() {
        return new Builder();
    }


    /** @return the tokenizer's architecture (a v2-style model; weights are named by the recipe) */
    public static TokenizerConfig tokenizerConfig() {
        return new TokenizerConfig(TokenizerConfig.Version.V2, 64, ResizeMode.BICUBIC,
                new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f},
                new TokenizerConfig.Vision(8, VISION_WIDTH, 3, 4, 2.0, 1e-6f, 1e-5f),
                new TokenizerConfig.QFormer(64, 2, 4, 128, 1, 32, 1e-12f),
                new TokenizerConfig.Codebook(CODEBOOK_SIZE, 32),
                new TokenizerConfig.Decoder(1, 4, 2.0, 1e-6f, GENERATION_DIM, 0, 0, List.of(32, 8)),
                List.of(new TokenizerConfig.WeightFile("model.safetensors", "")));
    }

    /**
     * @param vocabSize text tokens plus image tokens
     * @return the language model's architecture: a 4-layer, 128-wide OPT (pre-LayerNorm, tied embeddings)
     */
    public static OptConfig optConfig(int vocabSize) {
        return OptConfig.builder().vocabSize(vocabSize).hiddenSize(128).numLayers(4).numHeads(4).ffnDim(512)
                .maxPositions(96).activation(ActivationFunction.RELU).build();
    }

    /** Builds {@link SeedMiniSettings} field by field, starting from the standard recipe. Not thread-safe. */
    public static final class Builder {
        private int trainPool = 1_000_000;
        private double degradedShare = DEGRADED_SHARE;
        private int stage1Steps = 9000;
        private int stage1Batch = 48;
        private double stage1Lr = 1e-3;
        private int stage2Steps = 4000;
        private int stage2Batch = 32;
        private double stage2Lr = 1e-3;
        private int lmPool = 20000;
        private int lmSteps = 3000;
        private int lmBatch = 32;
        private double lmLr = 1e-3;
        private int mixPool = 20000;
        private int mixSteps = 6000;
        private double mixLr = 5e-4;
        private int loraSteps = 200;
        private int loraBatch = 16;
        private double loraLr = 2e-3;

        private Builder() {}

        /**
         * @param v distinct training scenes the tokenizer stages cycle through
         * @return this builder
         */
        public Builder trainPool(int v) {
            trainPool = v;
            return this;
        }

        /**
         * @param v share of the tokenizer stages' training pictures that are degraded, 0 .. 1
         * @return this builder
         */
        public Builder degradedShare(double v) {
            degradedShare = v;
            return this;
        }

        /**
         * @param v stage-1 optimizer steps
         * @return this builder
         */
        public Builder stage1Steps(int v) {
            stage1Steps = v;
            return this;
        }

        /**
         * @param v stage-1 batch size
         * @return this builder
         */
        public Builder stage1Batch(int v) {
            stage1Batch = v;
            return this;
        }

        /**
         * @param v stage-1 peak learning rate
         * @return this builder
         */
        public Builder stage1Lr(double v) {
            stage1Lr = v;
            return this;
        }

        /**
         * @param v stage-2 optimizer steps
         * @return this builder
         */
        public Builder stage2Steps(int v) {
            stage2Steps = v;
            return this;
        }

        /**
         * @param v stage-2 batch size
         * @return this builder
         */
        public Builder stage2Batch(int v) {
            stage2Batch = v;
            return this;
        }

        /**
         * @param v stage-2 peak learning rate
         * @return this builder
         */
        public Builder stage2Lr(double v) {
            stage2Lr = v;
            return this;
        }

        /**
         * @param v training scenes turned into language-model sequences
         * @return this builder
         */
        public Builder lmPool(int v) {
            lmPool = v;
            return this;
        }

        /**
         * @param v language-model optimizer steps
         * @return this builder
         */
        public Builder lmSteps(int v) {
            lmSteps = v;
            return this;
        }

        /**
         * @param v language-model batch size
         * @return this builder
         */
        public Builder lmBatch(int v) {
            lmBatch = v;
            return this;
        }

        /**
         * @param v language-model peak learning rate
         * @return this builder
         */
        public Builder lmLr(double v) {
            lmLr = v;
            return this;
        }

        /**
         * @param v training scenes turned into task-mix sequences
         * @return this builder
         */
        public Builder mixPool(int v) {
            mixPool = v;
            return this;
        }

        /**
         * @param v task-mix fine-tuning steps
         * @return this builder
         */
        public Builder mixSteps(int v) {
            mixSteps = v;
            return this;
        }

        /**
         * @param v task-mix peak learning rate
         * @return this builder
         */
        public Builder mixLr(double v) {
            mixLr = v;
            return this;
        }

        /**
         * @param v LoRA optimizer steps
         * @return this builder
         */
        public Builder loraSteps(int v) {
            loraSteps = v;
            return this;
        }

        /**
         * @param v LoRA batch size
         * @return this builder
         */
        public Builder loraBatch(int v) {
            loraBatch = v;
            return this;
        }

        /**
         * @param v LoRA peak learning rate
         * @return this builder
         */
        public Builder loraLr(double v) {
            loraLr = v;
            return this;
        }

        /** @return the settings */
        public SeedMiniSettings build() {
            return new SeedMiniSettings(trainPool, degradedShare, stage1Steps, stage1Batch, stage1Lr, stage2Steps,
                    stage2Batch, stage2Lr, lmPool, lmSteps, lmBatch, lmLr, mixPool, mixSteps, mixLr, loraSteps,
                    loraBatch, loraLr);
        }
    }
}
