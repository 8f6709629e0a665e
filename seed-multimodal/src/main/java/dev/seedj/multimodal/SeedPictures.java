package dev.seedj.multimodal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.weights.StateDict;
import dev.seedj.diffusion.StableDiffusion;
import dev.seedj.diffusion.UNetConfig;
import dev.seedj.diffusion.clip.ClipTokenizer;
import dev.seedj.diffusion.clip.StableDiffusionTextEncoder;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.StepListener;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * SEED codes to pictures, as SEED's own pipelines draw them: the {@link SeedTokenizer} turns one image's codes into
 * its generation embeddings, which condition {@link StableDiffusion}; the final latents are decoded to an 8-bit
 * picture with the pipeline's rounding rule.
 *
 * <ul>
 *   <li>SEED v1: the 77 x D output is the cross-attention context of SD v1.4 (CompVis {@code txt2img}); the
 *       unconditional context is the pipeline's CLIP text encoding of {@code ""}.</li>
 *   <li>SEED-2: the 1 x E output is the image embedding of SD 2.1 unCLIP (diffusers
 *       {@code StableUnCLIPImg2ImgPipeline}): noise level 0, zeros as the negative image embedding, prompt and
 *       negative prompt {@code ""}.</li>
 * </ul>
 *
 * <p>{@link PictureSettings#defaults} gives each version its reference's sampler, steps, guidance and size. The
 * starting noise comes from {@link PictureSettings#seed()} through {@link java.util.Random}: the same codes, settings
 * and seed give the same pixels on every run (but not the reference's picture for the same seed: that one draws
 * from PyTorch's generator).
 *
 * <pre>{@code
 * try (SeedTokenizer tokenizer = SeedTokenizer.load(Path.of("models/seed-tokenizer-v1"));
 *         SeedPictures pictures = SeedPictures.open(tokenizer, Path.of("sd-v1-4.ckpt"), null,
 *                 Path.of("bpe_simple_vocab_16e6.txt.gz"))) {
 *     BufferedImage picture = pictures.picture(codes);
 * }
 * }</pre>
 *
 * <p>Thread-safe: {@code picture} calls may run concurrently (the tokenizer and the pipeline only read their
 * weights). {@link #close()} frees the pipeline if {@link #open} loaded it, never the tokenizer, and must not race
 * with calls.
 */
public final class SeedPictures implements AutoCloseable {
    private final SeedTokenizer tokenizer;
    private final StableDiffusion pipeline;
    private final boolean ownsPipeline;
    private final float[] emptyPrompt; // the context of "" [1, T, C], flattened
    private final Shape emptyPromptShape;
    private final PictureSettings defaults;

    private SeedPictures(SeedTokenizer tokenizer, StableDiffusion pipeline, boolean ownsPipeline, float[][] emptyPrompt) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        this.ownsPipeline = ownsPipeline;
        Objects.requireNonNull(emptyPrompt, "emptyPrompt");
        if (emptyPrompt.length == 0) {
            throw new IllegalArgumentException("the empty prompt's context has no rows");
        }
        int tokens = emptyPrompt.length;
        int width = emptyPrompt[0].length;
        this.emptyPrompt = new float[tokens * width];
        for (int t = 0; t < tokens; t++) {
            if (emptyPrompt[t].length != width) {
                throw new IllegalArgumentException("the empty prompt's context rows differ in width: " + width
                        + " and " + emptyPrompt[t].length);
            }
            System.arraycopy(emptyPrompt[t], 0, this.emptyPrompt, t * width, width);
        }
        this.emptyPromptShape = new Shape(1, tokens, width);
        this.defaults = PictureSettings.defaults(tokenizer.config().version());
        checkFits(tokenizer.config(), pipeline.unetConfig(), tokens, width);
    }

    /**
     * Joins a tokenizer and a loaded pipeline; the unconditional context is encoded once by {@code textEncoder}.
     *
     * @param tokenizer the SEED tokenizer (not closed by this object)
     * @param pipeline the Stable Diffusion pipeline (not closed by this object)
     * @param textEncoder the pipeline's text encoder, used here only (not kept, not closed)
     * @return the facade
     * @throws IllegalArgumentException if the tokenizer's conditioning does not fit the pipeline (naming both)
     */
    public static SeedPictures of(SeedTokenizer tokenizer, StableDiffusion pipeline,
            StableDiffusionTextEncoder textEncoder) {
        return new SeedPictures(tokenizer, pipeline, false, encodeEmptyPrompt(textEncoder));
    }

    /**
     * Joins a tokenizer and a loaded pipeline that has no text encoder (e.g. a CompVis YAML whose
     * {@code cond_stage_config} is {@code torch.nn.Identity}).
     *
     * @param tokenizer the SEED tokenizer (not closed by this object)
     * @param pipeline the Stable Diffusion pipeline (not closed by this object)
     * @param emptyPromptContext the pipeline's text encoding of {@code ""} [T][C] (T = 77), copied
     * @return the facade
     * @throws IllegalArgumentException if the tokenizer's conditioning or the context does not fit the pipeline
     */
    public static SeedPictures of(SeedTokenizer tokenizer, StableDiffusion pipeline, float[][] emptyPromptContext) {
        return new SeedPictures(tokenizer, pipeline, false, emptyPromptContext);
    }

    /**
     * Loads a Stable Diffusion pipeline and its text encoder (used once, for the context of {@code ""}, then freed).
     *
     * @param tokenizer the SEED tokenizer (not closed by this object)
     * @param pipeline a diffusers folder (with {@code text_encoder/} and {@code tokenizer/}), or a CompVis
     *     {@code .ckpt} / {@code .safetensors} file whose YAML names a CLIP text encoder
     * @param inferenceYamlOrNull CompVis: the inference YAML, or null for the built-in {@code v1-inference.yaml};
     *     diffusers: must be null
     * @param clipVocabularyOrNull CompVis: CLIP's {@code bpe_simple_vocab_16e6.txt.gz} or a {@code tokenizer/}
     *     folder (CompVis checkpoints carry no vocabulary); diffusers: null (the folder's {@code tokenizer/} is read)
     * @return the facade, owning the pipeline
     * @throws IllegalArgumentException if a path is missing, an argument does not apply to the layout, the pipeline
     *     has no text encoder, or the tokenizer's conditioning does not fit the pipeline (nothing stays loaded)
     * @throws dev.seedj.core.weights.CheckpointException if the pipeline's files are incomplete or corrupt
     */
    public static SeedPictures open(SeedTokenizer tokenizer, Path pipeline, Path inferenceYamlOrNull,
            Path clipVocabularyOrNull) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        if (!Files.exists(pipeline)) {
            throw new IllegalArgumentException("no Stable Diffusion pipeline at " + pipeline);
        }
        boolean folder = Files.isDirectory(pipeline);
        if (folder && inferenceYamlOrNull != null) {
            throw new IllegalArgumentException("an inference YAML goes with a CompVis checkpoint file, not with the"
                    + " diffusers folder " + pipeline);
        }
        if (folder && clipVocabularyOrNull != null) {
            throw new IllegalArgumentException("a CLIP vocabulary goes with a CompVis checkpoint file; the diffusers"
                    + " folder " + pipeline + " has its own tokenizer/");
        }
        StableDiffusion sd = folder ? StableDiffusion.load(pipeline) : StableDiffusion.load(pipeline, inferenceYamlOrNull);
        try {
            float[][] empty;
            try (StableDiffusionTextEncoder encoder = folder ? diffusersTextEncoder(sd, pipeline)
                    : compVisTextEncoder(sd, pipeline, clipVocabularyOrNull)) {
                empty = encodeEmptyPrompt(encoder);
            }
            return new SeedPictures(tokenizer, sd, true, empty);
        } catch (RuntimeException e) {
            sd.close(); // nothing stays half-loaded
            throw e;
        }
    }

    private static StableDiffusionTextEncoder diffusersTextEncoder(StableDiffusion sd, Path folder) {
        if (sd.textEncoderFolder().isEmpty() || sd.tokenizerFolder().isEmpty()) {
            throw new IllegalArgumentException("the diffusers folder " + folder + " has no text_encoder/ and"
                    + " tokenizer/, which give the unconditional context (the encoding of \"\")");
        }
        return StableDiffusionTextEncoder.fromDiffusersFolder(folder, sd.device());
    }

    private static StableDiffusionTextEncoder compVisTextEncoder(StableDiffusion sd, Path checkpoint, Path vocabulary) {
        String target = sd.condStageTarget().orElseThrow(() -> new IllegalArgumentException("the inference YAML of "
                + checkpoint + " has no text encoder (cond_stage_config is torch.nn.Identity): load the pipeline"
                + " yourself and give the context of \"\" to SeedPictures.of"));
        if (vocabulary == null) {
            throw new IllegalArgumentException("CompVis checkpoints carry no CLIP vocabulary: give CLIP's"
                    + " bpe_simple_vocab_16e6.txt.gz or a tokenizer/ folder for " + checkpoint);
        }
        if (!Files.exists(vocabulary)) {
            throw new IllegalArgumentException("no CLIP vocabulary at " + vocabulary);
        }
        ClipTokenizer clip = Files.isDirectory(vocabulary) ? ClipTokenizer.fromFolder(vocabulary)
                : ClipTokenizer.fromOpenAiBpe(vocabulary);
        try (StateDict weights = StateDict.open(checkpoint)) {
            if (target.endsWith(".FrozenCLIPEmbedder")) {
                return StableDiffusionTextEncoder.sdV1(weights, clip, sd.device());
            }
            if (target.endsWith(".FrozenOpenCLIPEmbedder")) {
                return StableDiffusionTextEncoder.sd2(weights, clip, sd.device());
            }
        }
        throw new IllegalArgumentException("unsupported text encoder " + target + " in the inference YAML of "
                + checkpoint + ": FrozenCLIPEmbedder (SD v1) and FrozenOpenCLIPEmbedder (SD 2) are supported");
    }

    private static float[][] encodeEmptyPrompt(StableDiffusionTextEncoder textEncoder) {
        Objects.requireNonNull(textEncoder, "textEncoder");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray context = textEncoder.encode(List.of(""), m); // [1, T, C]
            Shape s = context.getShape();
            int tokens = Math.toIntExact(s.get(1));
            int width = Math.toIntExact(s.get(2));
            float[] flat = context.toFloatArray();
            float[][] rows = new float[tokens][];
            for (int t = 0; t < tokens; t++) {
                rows[t] = java.util.Arrays.copyOfRange(flat, t * width, (t + 1) * width);
            }
            return rows;
        }
    }

    /** Refuses a tokenizer whose generation embeddings cannot condition this pipeline, naming both widths. */
    private static void checkFits(TokenizerConfig config, UNetConfig unet, int promptTokens, int promptWidth) {
        if (promptWidth != unet.contextDim()) {
            throw new IllegalArgumentException("the empty prompt's context is " + promptTokens + " x " + promptWidth
                    + " but the UNet's cross-attention reads a width of " + unet.contextDim());
        }
        int n = config.numGenerationTokens();
        int d = config.generationDim();
        switch (config.version()) {
            case V1 -> {
                if (d != unet.contextDim() || n != promptTokens) {
                    throw new IllegalArgumentException("SEED v1 conditioning is " + n + " x " + d + " but the pipeline's"
                            + " text context is " + promptTokens + " x " + unet.contextDim()
                            + " (SEED v1 goes with SD v1.x: 77 x 768)");
                }
            }
            case V2 -> {
                if (unet.classEmbedInputDim() == 0) {
                    throw new IllegalArgumentException("SEED-2 conditioning is a 1 x " + d + " image embedding, which"
                            + " needs a Stable unCLIP pipeline (SD 2.1 unCLIP); this UNet has no class embedding");
                }
                if (2L * d != unet.classEmbedInputDim()) {
                    throw new IllegalArgumentException("SEED-2 conditioning is a 1 x " + d + " image embedding but"
                            + " the pipeline's UNet reads " + unet.classEmbedInputDim() + " class labels, i.e. image"
                            + " embeddings of " + unet.classEmbedInputDim() / 2 + " (SD 2.1 unCLIP: 1024)");
                }
            }
        }
    }

    /** @return the reference pipeline's settings for the tokenizer's SEED version */
    public PictureSettings defaults() {
        return defaults;
    }

    /**
     * @param codes one image's codes
     * @return the picture, drawn with {@link #defaults()}
     * @throws IllegalArgumentException if the codes are out of range or their count is wrong
     */
    public BufferedImage picture(int[] codes) {
        return picture(codes, defaults, null);
    }

    /**
     * @param codes one image's codes
     * @param settings how to draw it
     * @return the picture
     * @throws IllegalArgumentException if the codes are out of range or their count is wrong, or the size does not
     *     fit the UNet
     */
    public BufferedImage picture(int[] codes, PictureSettings settings) {
        return picture(codes, settings, null);
    }

    /**
     * @param codes one image's codes
     * @param settings how to draw it
     * @param listenerOrNull told after each denoising step (e.g. a progress bar), or null
     * @return the picture
     * @throws IllegalArgumentException if the codes are out of range or their count is wrong, or the size does not
     *     fit the UNet
     */
    public BufferedImage picture(int[] codes, PictureSettings settings, StepListener listenerOrNull) {
        return pictureOf(tokenizer.detokenize(codes), settings, listenerOrNull);
    }

    /**
     * Draws generation embeddings that are already computed (e.g. {@link SeedOpt#generateConditioning}).
     *
     * @param generationEmbeddings one image's embeddings [N][D], as {@link SeedTokenizer#detokenize(int[])} returns
     * @param settings how to draw it
     * @param listenerOrNull told after each denoising step, or null
     * @return the picture
     * @throws IllegalArgumentException if the embeddings are not the tokenizer's N x D, or the size does not fit
     */
    public BufferedImage pictureOf(float[][] generationEmbeddings, PictureSettings settings,
            StepListener listenerOrNull) {
        Objects.requireNonNull(settings, "settings");
        int n = tokenizer.config().numGenerationTokens();
        int d = tokenizer.config().generationDim();
        float[] flat = flatten(generationEmbeddings, n, d);
        int factor = pipeline.vaeConfig().downscale() * pipeline.unetConfig().downscale();
        if (settings.width() % factor != 0 || settings.height() % factor != 0) {
            throw new IllegalArgumentException("this pipeline draws pictures whose sides are multiples of " + factor
                    + " (VAE factor " + pipeline.vaeConfig().downscale() + " x UNet factor "
                    + pipeline.unetConfig().downscale() + "), got " + settings.width() + " x " + settings.height());
        }
        try (NDManager m = NDManager.newBaseManager(pipeline.device())) {
            NDArray empty = m.create(emptyPrompt, emptyPromptShape); // [1, 77, C]
            SampleRequest.Builder request = SampleRequest.builder().sampler(settings.sampler()).steps(settings.steps())
                    .guidanceScale(settings.guidanceScale()).eta(0f).noiseLevel(0).seed(settings.seed())
                    .latentShape(pipeline.unetConfig().inChannels(), settings.height() / pipeline.vaeConfig().downscale(),
                            settings.width() / pipeline.vaeConfig().downscale());
            if (tokenizer.config().version() == TokenizerConfig.Version.V1) {
                request.conditioning(m.create(flat, new Shape(1, n, d))).unconditional(empty); // [1, 77, D] each
            } else {
                // prompt and negative prompt "", the image embedding [1, E] noised at level 0 as the class labels
                request.conditioning(empty).unconditional(empty).imageEmbeds(m.create(flat, new Shape(1, d)));
            }
            NDArray latents = pipeline.sample(request.build(), listenerOrNull, m); // [1, 4, H/8, W/8]
            return pipeline.toImages(pipeline.decodeLatents(latents, m))[0];
        }
    }

    private static float[] flatten(float[][] rows, int n, int d) {
        Objects.requireNonNull(rows, "generationEmbeddings");
        if (rows.length != n) {
            throw new IllegalArgumentException("expected " + n + " x " + d + " generation embeddings, got "
                    + rows.length + " rows");
        }
        float[] flat = new float[n * d];
        for (int t = 0; t < n; t++) {
            if (rows[t].length != d) {
                throw new IllegalArgumentException("expected " + n + " x " + d + " generation embeddings, row " + t
                        + " has width " + rows[t].length);
            }
            System.arraycopy(rows[t], 0, flat, t * d, d);
        }
        return flat;
    }

    /** @return the Stable Diffusion pipeline in use */
    public StableDiffusion pipeline() {
        return pipeline;
    }

    /** @return the SEED tokenizer in use */
    public SeedTokenizer tokenizer() {
        return tokenizer;
    }

    /** Frees the pipeline if {@link #open} loaded it (never the tokenizer). */
    @Override
    public void close() {
        if (ownsPipeline) {
            pipeline.close();
        }
    }
}
