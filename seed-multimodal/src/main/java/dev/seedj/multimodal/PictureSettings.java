package dev.seedj.multimodal;

import dev.seedj.diffusion.sampling.Sampler;
import dev.seedj.tokenizer.TokenizerConfig;
import java.util.Objects;

/**
 * How {@link SeedPictures} draws a picture: the sampler, its step count and guidance, the seed of the starting noise
 * and the picture size. {@link #defaults} gives each SEED version its reference pipeline's settings; the
 * {@code with...} methods override one of them.
 *
 * <p>Immutable and thread-safe.
 *
 * @param sampler the denoising sampler
 * @param steps the step count asked for (the reference's {@code S} / {@code num_inference_steps})
 * @param guidanceScale the classifier-free guidance scale (1 turns guidance off)
 * @param seed seeds the starting latents (and the unCLIP noise) through {@link java.util.Random}
 * @param width picture width in pixels, a positive multiple of {@value #SIZE_MULTIPLE}
 * @param height picture height in pixels, a positive multiple of {@value #SIZE_MULTIPLE}
 */
public record PictureSettings(Sampler sampler, int steps, float guidanceScale, long seed, int width, int height) {
    /** Picture sides must be multiples of the VAE's downscale factor, 8 in every Stable Diffusion release. */
    public static final int SIZE_MULTIPLE = 8;
    /** CompVis {@code txt2img.py}'s picture size, which SEED v1 keeps (a 64 x 64 latent). */
    public static final int V1_SIZE = 512;
    /** SD 2.1 unCLIP's {@code sample_size} 96 x 8, which SEED-2 keeps (a 96 x 96 latent). */
    public static final int V2_SIZE = 768;

    /**
     * Checks the settings.
     *
     * @param sampler the sampler
     * @param steps the step count
     * @param guidanceScale the guidance scale
     * @param seed the seed
     * @param width the width
     * @param height the height
     * @throws IllegalArgumentException naming the bad value: steps &lt; 1, a guidance scale that is not finite, a
     *     side that is not a positive multiple of 8
     */
    public PictureSettings {
        Objects.requireNonNull(sampler, "sampler");
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        if (!Float.isFinite(guidanceScale)) {
            throw new IllegalArgumentException("guidance scale must be finite, got " + guidanceScale);
        }
        if (width <= 0 || height <= 0 || width % SIZE_MULTIPLE != 0 || height % SIZE_MULTIPLE != 0) {
            throw new IllegalArgumentException("picture size must be positive multiples of " + SIZE_MULTIPLE
                    + " (the VAE's downscale factor), got " + width + " x " + height);
        }
    }

    /**
     * The reference pipeline's settings, seed 0. SEED v1 (CompVis {@code txt2img}): PLMS, 50 steps, guidance 7.5,
     * 512 x 512. SEED-2 (diffusers {@code StableUnCLIPImg2ImgPipeline}): PNDM ({@code skip_prk_steps}), 20 steps,
     * guidance 10, 768 x 768.
     *
     * @param version the SEED tokenizer's version
     * @return its defaults
     */
    public static PictureSettings defaults(TokenizerConfig.Version version) {
        return switch (version) {
            case V1 -> new PictureSettings(Sampler.PLMS, 50, 7.5f, 0L, V1_SIZE, V1_SIZE);
            case V2 -> new PictureSettings(Sampler.PNDM, 20, 10f, 0L, V2_SIZE, V2_SIZE);
        };
    }

    /**
     * @param other the sampler (its step count and guidance stay)
     * @return these settings with another sampler
     */
    public PictureSettings withSampler(Sampler other) {
        return new PictureSettings(other, steps, guidanceScale, seed, width, height);
    }

    /**
     * @param other the step count asked for
     * @return these settings with another step count
     */
    public PictureSettings withSteps(int other) {
        return new PictureSettings(sampler, other, guidanceScale, seed, width, height);
    }

    /**
     * @param other the guidance scale
     * @return these settings with another guidance scale
     */
    public PictureSettings withGuidanceScale(float other) {
        return new PictureSettings(sampler, steps, other, seed, width, height);
    }

    /**
     * @param other the seed
     * @return these settings with another seed
     */
    public PictureSettings withSeed(long other) {
        return new PictureSettings(sampler, steps, guidanceScale, other, width, height);
    }

    /**
     * @param newWidth picture width, a multiple of 8
     * @param newHeight picture height, a multiple of 8
     * @return these settings with another picture size
     */
    public PictureSettings withSize(int newWidth, int newHeight) {
        return new PictureSettings(sampler, steps, guidanceScale, seed, newWidth, newHeight);
    }
}
