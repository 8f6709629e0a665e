package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Stable unCLIP's image-embedding noise augmentation ({@code StableUnCLIPImg2ImgPipeline.noise_image_embeddings},
 * diffusers 0.20.2): the embedding is standardised by the {@link StableUnCLIPImageNormalizer}, noised to the given
 * level with the DDPM {@code add_noise} of the {@code image_noising_scheduler} ({@code squaredcos_cap_v2}),
 * unstandardised, and followed by the sinusoidal embedding of the noise level
 * ({@code flip_sin_to_cos=True, downscale_freq_shift=0}): the UNet's class labels [B, 2E].
 * At level 0 the noise still enters, because {@code alphas_cumprod[0] < 1}.
 *
 * <p>Immutable once loaded; thread-safe.
 */
public final class ImageEmbeddingNoiser {
    private final StableUnCLIPImageNormalizer normalizer;
    private final NoiseSchedule noisingSchedule;

    /**
     * @param normalizer the loaded normalizer
     * @param noisingSchedule the image noising scheduler's schedule
     */
    public ImageEmbeddingNoiser(StableUnCLIPImageNormalizer normalizer, NoiseSchedule noisingSchedule) {
        this.normalizer = Objects.requireNonNull(normalizer, "normalizer");
        this.noisingSchedule = Objects.requireNonNull(noisingSchedule, "noisingSchedule");
    }

    /**
     * Reads {@code image_normalizer/} and {@code image_noising_scheduler/scheduler_config.json} of a diffusers
     * Stable unCLIP folder.
     *
     * @param pipelineFolder the folder holding both
     * @param manager owns the normalizer's weights
     * @return the noiser
     * @throws dev.seedj.core.weights.CheckpointException if the normalizer is missing or broken
     * @throws IllegalArgumentException if the scheduler config is missing or broken
     */
    public static ImageEmbeddingNoiser load(Path pipelineFolder, NDManager manager) {
        StableUnCLIPImageNormalizer normalizer =
                StableUnCLIPImageNormalizer.load(pipelineFolder.resolve("image_normalizer"), manager);
        SchedulerConfig noising = SchedulerConfig.fromDiffusersJson(
                pipelineFolder.resolve("image_noising_scheduler").resolve("scheduler_config.json"));
        return new ImageEmbeddingNoiser(normalizer, noising.schedule());
    }

    /**
     * @param imageEmbeds the image embeddings [B, E]
     * @param noiseLevel the noise level, a timestep of the noising schedule
     * @param noise standard normal noise [B, E]
     * @param manager owns the result
     * @return the class labels [B, 2E]: {@code cat(unscale(add_noise(scale(e), level, noise)), emb(level))}
     * @throws IllegalArgumentException for a level outside the schedule or mismatched shapes
     */
    public NDArray noiseImageEmbeddings(NDArray imageEmbeds, int noiseLevel, NDArray noise, NDManager manager) {
        Shape shape = imageEmbeds.getShape();
        if (!noise.getShape().equals(shape)) {
            throw new IllegalArgumentException("noise " + noise.getShape() + " does not match the image embeddings " + shape);
        }
        if (noiseLevel < 0 || noiseLevel >= noisingSchedule.trainTimesteps()) {
            throw new IllegalArgumentException("noise level " + noiseLevel + " is outside [0, "
                    + noisingSchedule.trainTimesteps() + ")");
        }
        try (NDManager scope = manager.newSubManager()) {
            imageEmbeds.tempAttach(scope);
            noise.tempAttach(scope);
            float alphaCumprod = noisingSchedule.alphaCumprod(noiseLevel);
            float sqrtAlpha = (float) Math.sqrt(alphaCumprod);
            float sqrtOneMinusAlpha = (float) Math.sqrt(1f - alphaCumprod);
            NDArray scaled = normalizer.scale(imageEmbeds);
            NDArray noised = scaled.mul(sqrtAlpha).add(noise.mul(sqrtOneMinusAlpha)); // DDPM add_noise
            NDArray unscaled = normalizer.unscale(noised); // [B, E]
            long[] levels = new long[(int) shape.get(0)];
            java.util.Arrays.fill(levels, noiseLevel);
            NDArray levelEmbedding = TimestepEmbeddings.sinusoidal(scope.create(levels), (int) shape.get(1), true, 0f, scope);
            NDArray out = NDArrays.concat(new NDList(unscaled, levelEmbedding), 1); // [B, 2E]
            out.attach(manager);
            return out;
        }
    }

    /**
     * @param imageEmbeds the image embeddings [B, E]
     * @return {@link StableUnCLIPImageNormalizer#scale} of them
     */
    public NDArray scale(NDArray imageEmbeds) {
        return normalizer.scale(imageEmbeds);
    }

    /** @return the image noising schedule */
    public NoiseSchedule noisingSchedule() {
        return noisingSchedule;
    }
}
