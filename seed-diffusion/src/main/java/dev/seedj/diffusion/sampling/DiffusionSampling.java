package dev.seedj.diffusion.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Objects;

/**
 * The sampling entry point: runs a {@link SampleRequest} with any {@link Denoiser} and returns the final latents
 * (to be decoded by the VAE).
 *
 * <p>Classifier-free guidance follows each reference's rule: the CompVis samplers ({@link Sampler#PLMS},
 * {@link Sampler#DDIM}) guide unless the scale is exactly 1; the diffusers ones ({@link Sampler#PNDM},
 * {@link Sampler#DPMPP_2M}) guide when the scale is above 1. With unCLIP image embeddings, the class labels are the
 * noised embeddings for the conditional half and zeros for the unconditional half (the pipeline's
 * {@code negative_image_embeds=None}).
 *
 * <p>Stateless and thread-safe; each call is one sequential run.
 */
public final class DiffusionSampling {
    private DiffusionSampling() {
    }

    /**
     * Samples without unCLIP noise augmentation and without a listener.
     *
     * @param request what to sample (must not carry {@code imageEmbeds})
     * @param denoiser the network
     * @param config the schedule and scheduler settings
     * @param manager owns the result
     * @return the final latents [B, C, H, W]
     */
    public static NDArray sample(SampleRequest request, Denoiser denoiser, SchedulerConfig config, NDManager manager) {
        return sample(request, denoiser, config, null, null, manager);
    }

    /**
     * @param request what to sample
     * @param denoiser the network
     * @param config the schedule and scheduler settings
     * @param noiserOrNull noises {@link SampleRequest#imageEmbeds()} (required when the request has them)
     * @param listenerOrNull told after each step, or null
     * @param manager owns the result
     * @return the final latents [B, C, H, W]
     * @throws IllegalArgumentException if the step count does not fit the schedule or image embeddings come
     *     without a noiser
     * @throws IllegalStateException if the denoiser returns a wrongly shaped output
     */
    public static NDArray sample(SampleRequest request, Denoiser denoiser, SchedulerConfig config,
            ImageEmbeddingNoiser noiserOrNull, StepListener listenerOrNull, NDManager manager) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(denoiser, "denoiser");
        Objects.requireNonNull(config, "config");
        if (request.imageEmbeds() != null && noiserOrNull == null) {
            throw new IllegalArgumentException("image embeddings need an ImageEmbeddingNoiser (the model's"
                    + " image_normalizer and image_noising_scheduler)");
        }
        steps(request.sampler(), request.steps(), config); // checks the step count before any work
        try (NDManager run = manager.newSubManager()) {
            GaussianNoise noise = new GaussianNoise(request.seed());
            NDArray xT = request.initialLatents() != null
                    ? request.initialLatents()
                    : noise.draw(request.latentShape(), run); // init_noise_sigma = 1 for every sampler here
            NDArray labels = request.classLabels();
            if (request.imageEmbeds() != null) {
                NDArray embedNoise = request.noise() != null
                        ? request.noise()
                        : noise.draw(request.imageEmbeds().getShape(), run);
                labels = noiserOrNull.noiseImageEmbeddings(request.imageEmbeds(), request.noiseLevel(), embedNoise, run);
            }
            GuidedModel model = new GuidedModel(denoiser, request, labels, guided(request), config, run);
            NDArray result = switch (request.sampler()) {
                case PLMS, DDIM -> new CompVisSampler(request.sampler() == Sampler.PLMS,
                        DdimSchedule.of(request.steps(), config.schedule(), request.eta()), noise)
                        .run(xT, model, listenerOrNull, run);
                case PNDM -> new PndmSampler(config, request.steps()).run(xT, model, listenerOrNull, run);
                case DPMPP_2M -> new DpmSolverSampler(config, request.steps()).run(xT, model, listenerOrNull, run);
            };
            result.attach(manager);
            return result;
        }
    }

    /**
     * The timesteps a sampler visits, in order, for a requested step count: one {@link StepListener} call each
     * (PLMS makes one more denoiser call than steps, on its first step).
     *
     * @param sampler the sampler
     * @param steps the step count asked for
     * @param config the schedule and scheduler settings
     * @return the timesteps
     * @throws IllegalArgumentException if the step count does not fit the schedule
     */
    public static int[] steps(Sampler sampler, int steps, SchedulerConfig config) {
        return switch (sampler) {
            case PLMS, DDIM -> {
                int[] ascending = Timesteps.compVisUniform(steps, config.schedule().trainTimesteps());
                int[] out = new int[ascending.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = ascending[ascending.length - 1 - i];
                }
                yield out;
            }
            case PNDM -> Timesteps.pndm(steps, config);
            case DPMPP_2M -> Timesteps.dpmSolver(steps, config);
        };
    }

    /**
     * @param sampler the sampler
     * @param steps the step count asked for
     * @param config the schedule and scheduler settings
     * @return how many times the sampler calls the denoiser (each call is one batch [uc; c] under guidance)
     */
    public static int denoiserCalls(Sampler sampler, int steps, SchedulerConfig config) {
        int n = steps(sampler, steps, config).length;
        return sampler == Sampler.PLMS ? n + 1 : n;
    }

    private static boolean guided(SampleRequest request) {
        boolean compVis = request.sampler() == Sampler.PLMS || request.sampler() == Sampler.DDIM;
        boolean guided = compVis ? request.guidanceScale() != 1f : request.guidanceScale() > 1f;
        return guided && request.unconditional() != null;
    }
}
