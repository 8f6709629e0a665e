package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;

/**
 * What to sample: the sampler and its settings, the conditioning, and optionally the starting latents and the
 * unCLIP image conditioning. Built with {@link #builder()}, which checks everything it can before any work is done.
 *
 * <p>When {@link Builder#initialLatents} is absent, the starting latents are drawn from N(0, 1) with
 * {@link java.util.Random#nextGaussian()} seeded by {@link Builder#seed} (row-major, one draw per element), in the
 * shape {@link Builder#latentShape}; the unCLIP noise, when absent, is drawn next from the same generator. This is
 * reproducible bit for bit on every JVM and device, but it is not PyTorch's generator: a seed does not give the
 * reference's picture for the same seed.
 *
 * <p>Immutable (the arrays are referenced, not copied: do not change them while sampling); thread-safe.
 */
public final class SampleRequest {
    private final Sampler sampler;
    private final int steps;
    private final float guidanceScale;
    private final float eta;
    private final int noiseLevel;
    private final NDArray conditioning;
    private final NDArray unconditional;
    private final NDArray initialLatents;
    private final NDArray imageEmbeds;
    private final NDArray classLabels;
    private final NDArray noise;
    private final long seed;
    private final Shape latentShape;

    private SampleRequest(Builder b) {
        this.sampler = b.sampler;
        this.steps = b.steps;
        this.guidanceScale = b.guidanceScale;
        this.eta = b.eta;
        this.noiseLevel = b.noiseLevel;
        this.conditioning = b.conditioning;
        this.unconditional = b.unconditional;
        this.initialLatents = b.initialLatents;
        this.imageEmbeds = b.imageEmbeds;
        this.classLabels = b.classLabels;
        this.noise = b.noise;
        this.seed = b.seed;
        this.latentShape = initialLatents != null
                ? initialLatents.getShape()
                : new Shape(conditioning.getShape().get(0), b.latentChannels, b.latentHeight, b.latentWidth);
    }

    /** @return a builder with SEED v1's defaults: PLMS, 50 steps, guidance 7.5, eta 0, noise level 0, seed 0 */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the sampler */
    public Sampler sampler() {
        return sampler;
    }

    /** @return the number of steps asked for (the reference's {@code S} / {@code num_inference_steps}) */
    public int steps() {
        return steps;
    }

    /** @return the classifier-free guidance scale (1 = no guidance, the unconditional context is not used) */
    public float guidanceScale() {
        return guidanceScale;
    }

    /** @return DDIM's eta (0 = deterministic) */
    public float eta() {
        return eta;
    }

    /** @return the unCLIP noise level added to the image embedding (a timestep of the image noising schedule) */
    public int noiseLevel() {
        return noiseLevel;
    }

    /** @return the conditional context [B, 77, D] */
    public NDArray conditioning() {
        return conditioning;
    }

    /** @return the unconditional context [B, 77, D], or null when the guidance scale is 1 */
    public NDArray unconditional() {
        return unconditional;
    }

    /** @return the starting latents [B, C, H, W], or null to draw them from {@link #seed()} */
    public NDArray initialLatents() {
        return initialLatents;
    }

    /** @return the unCLIP image embedding [B, E] to noise and condition on, or null */
    public NDArray imageEmbeds() {
        return imageEmbeds;
    }

    /** @return ready class labels [B, E'] (e.g. an already noised image embedding), or null */
    public NDArray classLabels() {
        return classLabels;
    }

    /** @return the noise for the image embedding [B, E], or null to draw it from {@link #seed()} */
    public NDArray noise() {
        return noise;
    }

    /** @return the seed of the latents and noise drawn when they are not given */
    public long seed() {
        return seed;
    }

    /** @return the latents' shape [B, C, H, W] */
    public Shape latentShape() {
        return latentShape;
    }

    /** @return the batch size B */
    public long batchSize() {
        return conditioning.getShape().get(0);
    }

    /**
     * Collects and checks the settings of a {@link SampleRequest}.
     *
     * <p>Not thread-safe; use one builder per thread.
     */
    public static final class Builder {
        private Sampler sampler = Sampler.PLMS;
        private int steps = 50;
        private float guidanceScale = 7.5f;
        private float eta = 0f;
        private int noiseLevel = 0;
        private NDArray conditioning;
        private NDArray unconditional;
        private NDArray initialLatents;
        private NDArray imageEmbeds;
        private NDArray classLabels;
        private NDArray noise;
        private long seed;
        private int latentChannels;
        private int latentHeight;
        private int latentWidth;

        private Builder() {
        }

        /**
         * @param sampler the sampler
         * @return this builder
         */
        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /**
         * @param steps the step count asked for, as the reference's {@code S} / {@code num_inference_steps}; the
         *     timesteps actually run follow the reference's spacing (CompVis: {@code range(0, 1000, 1000 // S) + 1},
         *     which can be more than S)
         * @return this builder
         */
        public Builder steps(int steps) {
            this.steps = steps;
            return this;
        }

        /**
         * @param guidanceScale the classifier-free guidance scale (SEED v1: 7.5, SEED-2: 10; 1 turns guidance off)
         * @return this builder
         */
        public Builder guidanceScale(float guidanceScale) {
            this.guidanceScale = guidanceScale;
            return this;
        }

        /**
         * @param eta DDIM's eta (0 = deterministic; PLMS requires 0; PNDM and DPM-Solver++ ignore it)
         * @return this builder
         */
        public Builder eta(float eta) {
            this.eta = eta;
            return this;
        }

        /**
         * @param noiseLevel unCLIP's noise level for the image embedding (SEED-2: 0)
         * @return this builder
         */
        public Builder noiseLevel(int noiseLevel) {
            this.noiseLevel = noiseLevel;
            return this;
        }

        /**
         * @param c the conditional context [B, 77, D] (required)
         * @return this builder
         */
        public Builder conditioning(NDArray c) {
            this.conditioning = c;
            return this;
        }

        /**
         * @param uc the unconditional context [B, 77, D], same shape as the conditioning (required unless the
         *     guidance scale is 1)
         * @return this builder
         */
        public Builder unconditional(NDArray uc) {
            this.unconditional = uc;
            return this;
        }

        /**
         * @param xT the starting latents [B, C, H, W] (optional: else drawn from the seed in {@link #latentShape})
         * @return this builder
         */
        public Builder initialLatents(NDArray xT) {
            this.initialLatents = xT;
            return this;
        }

        /**
         * @param e the unCLIP image embedding [B, E] (optional): noised to {@link #noiseLevel} and used as the class
         *     labels, with zeros for the unconditional half, as diffusers' {@code StableUnCLIPImg2ImgPipeline} does
         * @return this builder
         */
        public Builder imageEmbeds(NDArray e) {
            this.imageEmbeds = e;
            return this;
        }

        /**
         * @param l class labels used as they are [B, E'] (optional; zeros for the unconditional half); not together
         *     with {@link #imageEmbeds}
         * @return this builder
         */
        public Builder classLabels(NDArray l) {
            this.classLabels = l;
            return this;
        }

        /**
         * @param n the noise for the image embedding [B, E] (optional; only with {@link #imageEmbeds})
         * @return this builder
         */
        public Builder noise(NDArray n) {
            this.noise = n;
            return this;
        }

        /**
         * @param seed seeds the latents (and unCLIP noise) drawn when they are not given
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The shape of the latents to draw when {@link #initialLatents} is absent (the batch comes from the
         * conditioning). Stable Diffusion: 4 channels, image height and width divided by 8.
         *
         * @param channels latent channels
         * @param height latent height
         * @param width latent width
         * @return this builder
         */
        public Builder latentShape(int channels, int height, int width) {
            this.latentChannels = channels;
            this.latentHeight = height;
            this.latentWidth = width;
            return this;
        }

        /**
         * @return the request
         * @throws IllegalArgumentException naming the first problem: steps &lt; 1, a missing or wrongly shaped
         *     context, latents, embedding or noise, eta with PLMS, a negative noise level
         */
        public SampleRequest build() {
            Objects.requireNonNull(sampler, "sampler");
            require(steps >= 1, "steps must be at least 1, got " + steps);
            require(Float.isFinite(guidanceScale), "guidance scale must be finite, got " + guidanceScale);
            require(Float.isFinite(eta) && eta >= 0, "eta must be finite and >= 0, got " + eta);
            require(sampler != Sampler.PLMS || eta == 0f, "PLMS requires eta = 0 (as CompVis' PLMSSampler), got " + eta);
            require(noiseLevel >= 0, "noise level must be >= 0, got " + noiseLevel);
            require(conditioning != null, "the conditioning context is required");
            Shape c = conditioning.getShape();
            require(c.dimension() == 3, "conditioning must be [B, 77, D], got " + c);
            long batch = c.get(0);
            require(batch >= 1, "conditioning has an empty batch: " + c);
            if (unconditional != null) {
                require(unconditional.getShape().equals(c), "unconditional context " + unconditional.getShape()
                        + " does not match the conditioning " + c + " (both [B, 77, D])");
            } else {
                require(guidanceScale == 1f, "classifier-free guidance (scale " + guidanceScale
                        + ") needs the unconditional context");
            }
            if (initialLatents != null) {
                Shape x = initialLatents.getShape();
                require(x.dimension() == 4 && x.get(0) == batch, "initial latents must be [" + batch
                        + ", C, H, W] for a conditioning batch of " + batch + ", got " + x);
                require(latentChannels == 0 || (x.get(1) == latentChannels && x.get(2) == latentHeight
                        && x.get(3) == latentWidth), "initial latents " + x + " disagree with the latent shape ["
                        + latentChannels + ", " + latentHeight + ", " + latentWidth + "]");
            } else {
                require(latentChannels > 0 && latentHeight > 0 && latentWidth > 0,
                        "without initial latents, latentShape(channels, height, width) is required");
            }
            require(imageEmbeds == null || classLabels == null, "give imageEmbeds or classLabels, not both");
            if (imageEmbeds != null) {
                Shape e = imageEmbeds.getShape();
                require(e.dimension() == 2 && e.get(0) == batch, "image embeddings must be [" + batch + ", E], got " + e);
            }
            if (classLabels != null) {
                Shape l = classLabels.getShape();
                require(l.dimension() == 2 && l.get(0) == batch, "class labels must be [" + batch + ", E], got " + l);
            }
            if (noise != null) {
                require(imageEmbeds != null, "noise is only used with imageEmbeds");
                require(noise.getShape().equals(imageEmbeds.getShape()), "noise " + noise.getShape()
                        + " does not match the image embeddings " + imageEmbeds.getShape());
            }
            return new SampleRequest(this);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
