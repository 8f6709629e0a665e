package dev.seedj.diffusion;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.seedj.core.nn.ArrayScopes;
import dev.seedj.diffusion.sampling.DiffusionSampling;
import dev.seedj.diffusion.sampling.ImageEmbeddingNoiser;
import dev.seedj.diffusion.sampling.NoiseSchedule;
import dev.seedj.diffusion.sampling.PredictionType;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.SchedulerConfig;
import dev.seedj.diffusion.sampling.StepListener;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A loaded Stable Diffusion pipeline: the UNet and the VAE of a CompVis single-file checkpoint (SD v1.4 as SEED v1
 * uses it) or a diffusers folder (SD 2.1 unCLIP as SEED-2 uses it), plus what the samplers, the text encoder and the
 * unCLIP noise augmentation need to know about it (schedule, prediction type, component folders, pixel rule).
 *
 * <pre>{@code
 * try (StableDiffusion sd = StableDiffusion.load(Path.of("sd-v1-4.ckpt"), Path.of("v1-inference.yaml"))) {
 *     NDArray eps = sd.unet(latents, t, context, null, manager);
 *     BufferedImage[] pictures = sd.toImages(sd.decodeLatents(latents, manager));
 * }
 * }</pre>
 *
 * <p>Parameters live on one {@link Device} (the CPU unless a load overload says otherwise), in float32 whatever the
 * checkpoint stored. Calls take inputs from any manager and return results owned by the caller's manager; their
 * intermediates are freed before they return.
 *
 * <p>Thread-safety: once loaded, {@link #unet}, {@link #decodeLatents}, {@link #encodeMoments} and
 * {@link #toImages} only read the parameters and may run concurrently; {@link #close()} must not race with them.
 */
public final class StableDiffusion implements AutoCloseable {
    private final LoadedPipeline parts;
    private final SchedulerConfig scheduler;
    private final ImageEmbeddingNoiser noiser; // null unless the pipeline is Stable unCLIP
    private volatile boolean closed;

    private StableDiffusion(LoadedPipeline parts) {
        this.parts = parts;
        try {
            this.scheduler = schedulerOf(parts);
            Path normalizer = parts.componentFolders().get("image_normalizer");
            this.noiser = normalizer == null ? null : ImageEmbeddingNoiser.load(normalizer.getParent(), parts.manager());
        } catch (RuntimeException e) {
            parts.manager().close(); // nothing stays half-loaded
            throw e;
        }
    }

    /** The sampling schedule: the diffusers {@code scheduler/} config, or the CompVis checkpoint's own buffers. */
    private static SchedulerConfig schedulerOf(LoadedPipeline parts) {
        PredictionType prediction = switch (parts.prediction()) {
            case EPSILON -> PredictionType.EPSILON;
            case V_PREDICTION -> PredictionType.V_PREDICTION;
            case SAMPLE -> throw new IllegalArgumentException("the samplers support epsilon and v prediction, not sample");
        };
        if (parts.layout() == CheckpointLayout.DIFFUSERS) {
            Path folder = parts.componentFolders().get("scheduler");
            return SchedulerConfig.fromDiffusersJson(folder.resolve("scheduler_config.json"));
        }
        if (parts.alphasCumprod() != null) { // what the CompVis samplers read
            return SchedulerConfig.compVis(NoiseSchedule.ofAlphasCumprod(parts.alphasCumprod()), prediction);
        }
        CompVisSchedule s = parts.compVisSchedule();
        return SchedulerConfig.compVis(NoiseSchedule.compVisLinear(s.linearStart(), s.linearEnd(), s.timesteps()), prediction);
    }

    /**
     * Runs a sampler with this pipeline's UNet and schedule (classifier-free guidance, and for Stable unCLIP the
     * noise augmentation of {@link SampleRequest#imageEmbeds()}).
     *
     * @param request what to sample
     * @param m owns the result
     * @return the final latents [B, 4, H/8, W/8] (decode them with {@link #decodeLatents})
     * @throws IllegalArgumentException if the request does not fit this pipeline
     */
    public NDArray sample(SampleRequest request, NDManager m) {
        return sample(request, null, m);
    }

    /**
     * @param request what to sample
     * @param listenerOrNull told after each denoising step (e.g. a progress bar), or null
     * @param m owns the result
     * @return the final latents
     */
    public NDArray sample(SampleRequest request, StepListener listenerOrNull, NDManager m) {
        checkOpen();
        if (request.imageEmbeds() != null && noiser == null) {
            throw new IllegalArgumentException("image embeddings need a Stable unCLIP pipeline (image_normalizer/"
                    + " and image_noising_scheduler/); this one has none");
        }
        return DiffusionSampling.sample(request, this::unet, scheduler, noiser, listenerOrNull, m);
    }

    /**
     * @param request a request
     * @return how many denoising steps {@link #sample} runs for it (the reference's spacing may differ from the
     *     count asked for)
     */
    public int stepCount(SampleRequest request) {
        return DiffusionSampling.steps(request.sampler(), request.steps(), scheduler).length;
    }

    /**
     * Stable unCLIP's image-embedding noise augmentation ({@code StableUnCLIPImageNormalizer} + DDPM
     * {@code add_noise} + the sinusoidal noise-level embedding), the class labels of the UNet.
     *
     * @param imageEmbeds [B, E]
     * @param noiseLevel a timestep of the noising schedule (SEED-2 uses 0)
     * @param noise standard normal noise [B, E]
     * @param m owns the result
     * @return the class labels [B, 2E]
     * @throws IllegalStateException if this pipeline is not Stable unCLIP
     */
    public NDArray noiseImageEmbeddings(NDArray imageEmbeds, int noiseLevel, NDArray noise, NDManager m) {
        checkOpen();
        if (noiser == null) {
            throw new IllegalStateException("this pipeline has no image_normalizer/: not a Stable unCLIP pipeline");
        }
        return noiser.noiseImageEmbeddings(imageEmbeds, noiseLevel, noise, m);
    }

    /**
     * Loads a diffusers pipeline folder onto the CPU.
     *
     * @param checkpointOrFolder the folder holding {@code model_index.json}, {@code unet/}, {@code vae/}, {@code scheduler/}...
     * @return the pipeline
     * @throws dev.seedj.core.weights.CheckpointException if the folder is incomplete, unsupported or corrupt
     *     (nothing stays loaded)
     */
    public static StableDiffusion load(Path checkpointOrFolder) {
        return load(checkpointOrFolder, Device.cpu());
    }

    /**
     * Loads a diffusers pipeline folder.
     *
     * @param folder the pipeline folder
     * @param device where the parameters go
     * @return the pipeline
     * @throws dev.seedj.core.weights.CheckpointException if the folder is incomplete, unsupported or corrupt
     */
    public static StableDiffusion load(Path folder, Device device) {
        return new StableDiffusion(DiffusersLoader.load(folder, device));
    }

    /**
     * Loads a CompVis single-file checkpoint onto the CPU.
     *
     * @param checkpoint the {@code .ckpt} (read through the allow-list unpickler) or {@code .safetensors} file
     * @param inferenceYaml its inference YAML, or {@code (Path) null} for the built-in {@code v1-inference.yaml}
     *     (SD v1.x; see {@link #loadV1})
     * @return the pipeline
     * @throws dev.seedj.core.weights.CheckpointException if a file is missing or corrupt, the YAML is unsupported or
     *     does not match the checkpoint (nothing stays loaded)
     */
    public static StableDiffusion load(Path checkpoint, Path inferenceYaml) {
        return load(checkpoint, inferenceYaml, Device.cpu());
    }

    /**
     * Loads an SD v1.x CompVis single-file checkpoint (e.g. {@code sd-v1-4.ckpt}) onto the CPU with the built-in
     * {@code v1-inference.yaml}.
     *
     * @param checkpoint the {@code .ckpt} or {@code .safetensors} file
     * @return the pipeline
     * @throws dev.seedj.core.weights.CheckpointException if the file is missing or corrupt, or not SD v1.x-shaped
     */
    public static StableDiffusion loadV1(Path checkpoint) {
        return load(checkpoint, (Path) null, Device.cpu());
    }

    /**
     * Loads a CompVis single-file checkpoint.
     *
     * @param checkpoint the {@code .ckpt} or {@code .safetensors} file
     * @param inferenceYaml its inference YAML, or null for the built-in {@code v1-inference.yaml}
     * @param device where the parameters go
     * @return the pipeline
     * @throws dev.seedj.core.weights.CheckpointException if a file is missing or corrupt, or the YAML does not match
     */
    public static StableDiffusion load(Path checkpoint, Path inferenceYaml, Device device) {
        return new StableDiffusion(CompVisLoader.load(checkpoint, inferenceYaml, device));
    }

    /**
     * One UNet evaluation.
     *
     * @param x noisy latents [B, 4, h, w] float32; h and w multiples of {@link UNetConfig#downscale()}
     * @param t timesteps, int64 [B]
     * @param context cross-attention conditioning [B, T, contextDim]
     * @param classLabelsOrNull unCLIP class labels [B, classEmbedInputDim], or null for a model without them
     * @param m owns the result
     * @return the model output [B, 4, h, w] ({@link #prediction()} says whether eps or v)
     * @throws IllegalArgumentException if a shape does not fit the model
     */
    public NDArray unet(NDArray x, NDArray t, NDArray context, NDArray classLabelsOrNull, NDManager m) {
        return unet(x, t, context, classLabelsOrNull, m, ActivationRecorder.NONE);
    }

    /**
     * {@link #unet(NDArray, NDArray, NDArray, NDArray, NDManager)} that also reports its intermediates.
     *
     * @param x noisy latents [B, 4, h, w]
     * @param t timesteps [B]
     * @param context conditioning [B, T, contextDim]
     * @param classLabelsOrNull class labels or null
     * @param m owns the result
     * @param recorder receives the intermediates under the UNet's block names
     * @return the model output [B, 4, h, w]
     */
    public NDArray unet(NDArray x, NDArray t, NDArray context, NDArray classLabelsOrNull, NDManager m,
            ActivationRecorder recorder) {
        checkOpen();
        return ArrayScopes.call(m, parts.device(), scope -> parts.unet().forward(onDevice(x, scope),
                onDevice(t, scope), context == null ? null : onDevice(context, scope),
                classLabelsOrNull == null ? null : onDevice(classLabelsOrNull, scope), recorder));
    }

    /**
     * Decodes latents to pictures as the reference's decode does: divides by the scale factor itself, then
     * {@code post_quant_conv} and the decoder.
     *
     * @param latents [B, 4, h, w], as the sampler returns them
     * @param m owns the result
     * @return [B, 3, h f, w f] in about [-1, 1] (not clamped)
     */
    public NDArray decodeLatents(NDArray latents, NDManager m) {
        return decodeLatents(latents, m, ActivationRecorder.NONE);
    }

    /**
     * {@link #decodeLatents(NDArray, NDManager)} that also reports its intermediates.
     *
     * @param latents [B, 4, h, w]
     * @param m owns the result
     * @param recorder receives {@code z_over_scale_factor}, {@code post_quant_conv}, {@code decoder.*}, {@code decoded}
     * @return [B, 3, h f, w f]
     */
    public NDArray decodeLatents(NDArray latents, NDManager m, ActivationRecorder recorder) {
        checkOpen();
        float scale = scaleFactor();
        return ArrayScopes.call(m, parts.device(), scope -> {
            NDArray z = onDevice(latents, scope);
            // as the references compute it: CompVis multiplies by 1 / scale_factor, diffusers divides
            NDArray unscaled = parts.layout() == CheckpointLayout.COMPVIS
                    ? z.mul((float) (1.0 / scale)) : z.div(scale);
            recorder.record("z_over_scale_factor", unscaled);
            return parts.vae().decode(unscaled, recorder);
        });
    }

    /**
     * Encodes pictures to the VAE's latent Gaussian (for img2img): multiply the mean (or a sample) by
     * {@link #scaleFactor()} to get latents the UNet reads.
     *
     * @param images [B, 3, H, W] in [-1, 1]; H and W multiples of {@link VaeConfig#downscale()} (8)
     * @param m owns the result
     * @return [B, 2 x 4, H / 8, W / 8]: mean, then log-variance
     * @throws IllegalArgumentException if the size is not a multiple of the VAE's downscale
     */
    public NDArray encodeMoments(NDArray images, NDManager m) {
        checkOpen();
        return ArrayScopes.call(m, parts.device(), scope -> parts.vae().encodeMoments(onDevice(images, scope)));
    }

    /**
     * Turns decoded pictures into 8-bit RGB images with the loaded pipeline's rule ({@link #pixelRounding()}).
     *
     * @param decoded [B, 3, H, W] float32, as {@link #decodeLatents} returns it
     * @return B images of H x W pixels
     * @throws IllegalArgumentException if the array is not [B, 3, H, W]
     */
    public BufferedImage[] toImages(NDArray decoded) {
        Shape s = decoded.getShape();
        if (s.dimension() != 4 || s.get(1) != 3) {
            throw new IllegalArgumentException("decoded pictures must be [B, 3, H, W], got " + s);
        }
        int batch = Math.toIntExact(s.get(0));
        int height = Math.toIntExact(s.get(2));
        int width = Math.toIntExact(s.get(3));
        float[] values = decoded.getDataType() == DataType.FLOAT32 ? decoded.toFloatArray()
                : decoded.toType(DataType.FLOAT32, false).toFloatArray();
        PixelRounding rule = pixelRounding();
        int plane = height * width;
        BufferedImage[] images = new BufferedImage[batch];
        for (int b = 0; b < batch; b++) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int base = b * 3 * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = y * width + x;
                    int r = rule.toByte(values[base + p]);
                    int g = rule.toByte(values[base + plane + p]);
                    int bl = rule.toByte(values[base + 2 * plane + p]);
                    image.setRGB(x, y, (r << 16) | (g << 8) | bl);
                }
            }
            images[b] = image;
        }
        return images;
    }

    /** @return the key layout the weights came in: CompVis single file or diffusers folder */
    public CheckpointLayout layout() {
        return parts.layout();
    }

    /** @return what the UNet predicts (SD v1.4: {@link Prediction#EPSILON}; SD 2.1 unCLIP: {@link Prediction#V_PREDICTION}) */
    public Prediction prediction() {
        return parts.prediction();
    }

    /** @return the pipeline's uint8 rule: CompVis truncates, diffusers rounds */
    public PixelRounding pixelRounding() {
        return parts.rounding();
    }

    /** @return the VAE scale factor latents are divided by before decoding (0.18215 for SD 1.x / 2.x) */
    public float scaleFactor() {
        return parts.vae().config().scaleFactor();
    }

    /** @return the UNet's shape (context width, class-label width, channels, levels) */
    public UNetConfig unetConfig() {
        return parts.unet().config();
    }

    /** @return the VAE's shape (its downscale factor is the picture-to-latent size ratio, 8) */
    public VaeConfig vaeConfig() {
        return parts.vae().config();
    }

    /** @return the device the parameters live on */
    public Device device() {
        return parts.device();
    }

    /** @return CompVis: the YAML's {@code linear_start}, {@code linear_end}, {@code timesteps}; diffusers: empty */
    public Optional<CompVisSchedule> compVisSchedule() {
        return Optional.ofNullable(parts.compVisSchedule());
    }

    /**
     * @return CompVis: a copy of the checkpoint's {@code alphas_cumprod} buffer (float32, what the CompVis samplers
     *     read after loading), if the checkpoint has one; diffusers: empty
     */
    public Optional<float[]> checkpointAlphasCumprod() {
        return Optional.ofNullable(parts.alphasCumprod()).map(float[]::clone);
    }

    /** @return diffusers: a copy of {@code scheduler/scheduler_config.json}; CompVis: empty */
    public Optional<JsonObject> schedulerConfig() {
        return Optional.ofNullable(parts.schedulerConfig()).map(JsonObject::deepCopy);
    }

    /** @return CompVis: the checkpoint file (its {@code cond_stage_model.*} keys hold the text encoder); diffusers: empty */
    public Optional<Path> checkpointFile() {
        return Optional.ofNullable(parts.checkpointFile());
    }

    /**
     * @return CompVis: the YAML's {@code cond_stage_config.target} (e.g. {@code ...FrozenCLIPEmbedder}), empty when
     *     it is {@code torch.nn.Identity} (conditioning is given, there is no text encoder); diffusers: empty
     */
    public Optional<String> condStageTarget() {
        return Optional.ofNullable(parts.condStageTarget());
    }

    /** @return diffusers: the {@code text_encoder/} folder, when the pipeline has one */
    public Optional<Path> textEncoderFolder() {
        return component("text_encoder");
    }

    /** @return diffusers: the {@code tokenizer/} folder, when the pipeline has one */
    public Optional<Path> tokenizerFolder() {
        return component("tokenizer");
    }

    /** @return diffusers (unCLIP): the {@code image_normalizer/} folder ({@code mean}, {@code std} weights) */
    public Optional<Path> imageNormalizerFolder() {
        return component("image_normalizer");
    }

    /** @return diffusers (unCLIP): the {@code image_noising_scheduler/} folder ({@code scheduler_config.json}) */
    public Optional<Path> imageNoisingSchedulerFolder() {
        return component("image_noising_scheduler");
    }

    /**
     * @param name a component of {@code model_index.json}, e.g. {@code feature_extractor}
     * @return diffusers: its folder, when the pipeline lists it; CompVis: empty
     */
    public Optional<Path> component(String name) {
        return Optional.ofNullable(parts.componentFolders().get(name));
    }

    /**
     * @return checkpoint keys no component reads ({@code cond_stage_model.*}, the text encoder's, and the DDPM schedule
     *     buffers are not counted), e.g. {@code model_ema.*}; diffusers keys carry their folder, {@code unet/...}
     */
    public List<String> unusedKeys() {
        return List.copyOf(parts.unusedKeys());
    }

    /** @return the UNet block, for callers that drive it directly */
    public UNet unetModel() {
        return parts.unet();
    }

    /** @return the VAE block */
    public AutoencoderKL vae() {
        return parts.vae();
    }

    /** Frees the parameters; later calls fail. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            parts.manager().close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this StableDiffusion has been closed");
        }
    }

    /**
     * The array itself, lent to {@code scope} until it closes, if it is on the model's device (so that what is
     * computed from it is freed with the scope), else a copy there owned by {@code scope}.
     */
    private NDArray onDevice(NDArray array, NDManager scope) {
        if (array.getDevice().equals(parts.device())) {
            array.tempAttach(scope);
            return array;
        }
        NDArray copy = array.toDevice(parts.device(), true);
        copy.attach(scope);
        return copy;
    }
}
