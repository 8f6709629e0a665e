package dev.seedj.multimodal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.seedj.core.testing.Oracle;
import dev.seedj.diffusion.StableDiffusion;
import dev.seedj.diffusion.TinyPipelines;
import dev.seedj.diffusion.clip.StableDiffusionTextEncoder;
import dev.seedj.diffusion.sampling.SampleRequest;
import dev.seedj.diffusion.sampling.Sampler;
import dev.seedj.tokenizer.SeedTokenizer;
import dev.seedj.tokenizer.TokenizerConfig;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SeedPictures} end to end on tiny weights: SEED v1 codes through a random-weight v1 tokenizer whose
 * conditioning is 77 x 32 into {@code sd-v1-tiny} (CompVis, PLMS), and SEED-2 codes through a v2 tokenizer with
 * 16-wide image embeddings into a tiny Stable unCLIP folder with a text encoder (diffusers, PNDM).
 */
class SeedPicturesTest {
    private static final String TOKENIZER_JSON = """
            {"version": "%s", "image_size": 56, "resize": "bicubic",
             "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
             "vision": {"patch_size": 14, "width": 32, "depth": 2, "num_heads": 4, "mlp_ratio": 4.3637,
                        "layer_norm_eps": 1e-6, "ln_vision_eps": 1e-5},
             "qformer": {"hidden_size": 24, "num_layers": 3, "num_heads": 12, "intermediate_size": 96,
                         "cross_attention_freq": 2, "num_query_tokens": 32, "layer_norm_eps": 1e-12},
             "codebook": {"size": 8192, "dim": 32},
             "decoder": {"num_blocks": 1, "num_heads": 12, "mlp_ratio": 4.0, "layer_norm_eps": 1e-6, %s},
             "weights": [{"file": "weights.safetensors"}]}""";
    /**
     * Few steps on a 16 x 16 picture (the tiny VAEs halve once: an 8 x 8 latent): 4 PLMS steps (5 UNet calls; the
     * CompVis spacing refuses 3), 3 PNDM steps.
     */
    private static final PictureSettings V1_FAST = PictureSettings.defaults(TokenizerConfig.Version.V1)
            .withSteps(4).withSize(16, 16).withSeed(7);
    private static final PictureSettings V2_FAST = PictureSettings.defaults(TokenizerConfig.Version.V2)
            .withSteps(3).withSize(16, 16).withSeed(7);

    @TempDir
    static Path temp;
    private static SeedTokenizer v1;
    private static SeedTokenizer v2;
    private static StableDiffusion sdV1;
    private static float[][] emptyPromptV1;

    @BeforeAll
    static void open() {
        v1 = tokenizer("v1", "\"reverse_qformer_layers\": 1, \"reverse_query_tokens\": 77, \"output_dim\": 32");
        v2 = tokenizer("v2", "\"image_down\": [256, 128, 32], \"output_dim\": 16");
        sdV1 = StableDiffusion.load(Oracle.path("sd-v1-tiny", "sd.ckpt"), TinyPipelines.sdV1TinyYaml(temp));
        Random random = new Random(3);
        emptyPromptV1 = new float[77][TinyPipelines.SD_V1_TINY_CONTEXT];
        for (float[] row : emptyPromptV1) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
    }

    @AfterAll
    static void close() {
        sdV1.close();
        v1.close();
        v2.close();
    }

    private static SeedTokenizer tokenizer(String version, String decoder) {
        TokenizerConfig config = TokenizerConfig.parse(TOKENIZER_JSON.formatted(version, decoder));
        return SeedTokenizer.withRandomWeights(config, Engine.getInstance().defaultDevice());
    }

    private static int[] codes(long seed) {
        return new Random(seed).ints(32, 0, 8192).toArray();
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void defaultsAreTheReferencePipelines() {
        assertEquals(new PictureSettings(Sampler.PLMS, 50, 7.5f, 0L, 512, 512),
                PictureSettings.defaults(TokenizerConfig.Version.V1));
        assertEquals(new PictureSettings(Sampler.PNDM, 20, 10f, 0L, 768, 768),
                PictureSettings.defaults(TokenizerConfig.Version.V2));
        try (SeedPictures pictures = SeedPictures.of(v1, sdV1, emptyPromptV1)) {
            assertEquals(PictureSettings.defaults(TokenizerConfig.Version.V1), pictures.defaults());
        }
    }

    @Test
    void v1IsReproducibleSeededAndEqualsTheManualChain() {
        try (SeedPictures pictures = SeedPictures.of(v1, sdV1, emptyPromptV1); NDManager m = NDManager.newBaseManager()) {
            int[] codes = codes(1);
            AtomicInteger steps = new AtomicInteger();
            BufferedImage first = pictures.picture(codes, V1_FAST, step -> steps.incrementAndGet());
            assertEquals(4, steps.get());
            assertEquals(16, first.getWidth());
            assertEquals(16, first.getHeight());
            assertArrayEquals(pixels(first), pixels(pictures.picture(codes, V1_FAST)), "same seed, same pixels");
            assertFalse(java.util.Arrays.equals(pixels(first), pixels(pictures.picture(codes, V1_FAST.withSeed(8)))),
                    "another seed, another picture");

            // the chain written out: conditioning = the tokenizer's 77 x 32, unconditional = the "" context
            NDArray c = v1.detokenize(m.create(new long[][] {java.util.Arrays.stream(codes).asLongStream().toArray()}), m);
            float[] flat = new float[77 * 32];
            for (int t = 0; t < 77; t++) {
                System.arraycopy(emptyPromptV1[t], 0, flat, t * 32, 32);
            }
            NDArray uc = m.create(flat, new Shape(1, 77, 32));
            NDArray latents = sdV1.sample(SampleRequest.builder().sampler(Sampler.PLMS).steps(4).guidanceScale(7.5f)
                    .eta(0f).conditioning(c).unconditional(uc).seed(7).latentShape(4, 8, 8).build(), m);
            BufferedImage manual = sdV1.toImages(sdV1.decodeLatents(latents, m))[0];
            assertArrayEquals(pixels(manual), pixels(first));
        }
    }

    @Test
    void v2FromAFolderWithTextEncoderIsReproducibleAndEqualsTheManualChain() {
        Path folder = TinyPipelines.unclipFolder(temp.resolve("unclip"), 16, 5);
        try (SeedPictures pictures = SeedPictures.open(v2, folder, null, null);
                StableDiffusionTextEncoder text = StableDiffusionTextEncoder.fromDiffusersFolder(folder,
                        Engine.getInstance().defaultDevice());
                NDManager m = NDManager.newBaseManager()) {
            assertEquals(PictureSettings.defaults(TokenizerConfig.Version.V2), pictures.defaults());
            int[] codes = codes(2);
            BufferedImage first = pictures.picture(codes, V2_FAST);
            assertArrayEquals(pixels(first), pixels(pictures.picture(codes, V2_FAST)), "same seed, same pixels");
            assertFalse(java.util.Arrays.equals(pixels(first), pixels(pictures.picture(codes, V2_FAST.withSeed(8)))),
                    "another seed, another picture");

            StableDiffusion sd = pictures.pipeline();
            NDArray empty = text.encode(List.of(""), m); // prompt and negative prompt ""
            NDArray e = v2.detokenize(m.create(new long[][] {java.util.Arrays.stream(codes).asLongStream().toArray()}), m)
                    .reshape(1, 16);
            NDArray latents = sd.sample(SampleRequest.builder().sampler(Sampler.PNDM).steps(3).guidanceScale(10f)
                    .noiseLevel(0).conditioning(empty).unconditional(empty).imageEmbeds(e).seed(7)
                    .latentShape(4, 8, 8).build(), m);
            BufferedImage manual = sd.toImages(sd.decodeLatents(latents, m))[0];
            assertArrayEquals(pixels(manual), pixels(first));
        }
    }

    @Test
    void conditioningOfTheWrongWidthIsRefusedNamingBoth() {
        Path folder = TinyPipelines.unclipFolder(temp.resolve("unclip-32"), 32, 6);
        IllegalArgumentException wrongPrompt = assertThrows(IllegalArgumentException.class,
                () -> SeedPictures.of(v1, sdV1, new float[77][48]));
        assertEquals("the empty prompt's context is 77 x 48 but the UNet's cross-attention reads a width of 32",
                wrongPrompt.getMessage());
        IllegalArgumentException v1IntoUnclip = assertThrows(IllegalArgumentException.class,
                () -> SeedPictures.open(v1, folder, null, null));
        assertEquals("SEED v1 conditioning is 77 x 32 but the pipeline's text context is 77 x 64 (SEED v1 goes with"
                + " SD v1.x: 77 x 768)", v1IntoUnclip.getMessage());
        IllegalArgumentException v2IntoV1 = assertThrows(IllegalArgumentException.class,
                () -> SeedPictures.of(v2, sdV1, emptyPromptV1));
        assertTrue(v2IntoV1.getMessage().startsWith("SEED-2 conditioning is a 1 x 16 image embedding, which needs a"
                + " Stable unCLIP pipeline"), v2IntoV1.getMessage());
        IllegalArgumentException wrongEmbedding = assertThrows(IllegalArgumentException.class,
                () -> SeedPictures.open(v2, folder, null, null));
        assertEquals("SEED-2 conditioning is a 1 x 16 image embedding but the pipeline's UNet reads 64 class labels,"
                + " i.e. image embeddings of 32 (SD 2.1 unCLIP: 1024)", wrongEmbedding.getMessage());
        try (SeedPictures pictures = SeedPictures.of(v1, sdV1, emptyPromptV1)) {
            IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                    () -> pictures.pictureOf(new float[77][31], V1_FAST, null));
            assertEquals("expected 77 x 32 generation embeddings, row 0 has width 31", rows.getMessage());
        }
    }

    @Test
    void badSettingsAndPathsAreRefused() {
        assertEquals("steps must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> V1_FAST.withSteps(0)).getMessage());
        assertEquals("picture size must be positive multiples of 8 (the VAE's downscale factor), got 20 x 16",
                assertThrows(IllegalArgumentException.class, () -> V1_FAST.withSize(20, 16)).getMessage());
        assertEquals("picture size must be positive multiples of 8 (the VAE's downscale factor), got 0 x 16",
                assertThrows(IllegalArgumentException.class, () -> V1_FAST.withSize(0, 16)).getMessage());
        assertEquals("no Stable Diffusion pipeline at " + temp.resolve("missing"), assertThrows(
                IllegalArgumentException.class, () -> SeedPictures.open(v1, temp.resolve("missing"), null, null))
                .getMessage());
        // a CompVis YAML without a text encoder cannot give the unconditional context: refused, nothing kept loaded
        IllegalArgumentException identity = assertThrows(IllegalArgumentException.class, () -> SeedPictures.open(v1,
                Oracle.path("sd-v1-tiny", "sd.ckpt"), TinyPipelines.sdV1TinyYaml(temp), null));
        assertTrue(identity.getMessage().contains("has no text encoder (cond_stage_config is torch.nn.Identity)"),
                identity.getMessage());
    }
}
