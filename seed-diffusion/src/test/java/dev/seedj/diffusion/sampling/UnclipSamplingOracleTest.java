package dev.seedj.diffusion.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.seedj.core.testing.Oracle;
import dev.seedj.core.weights.CheckpointException;
import dev.seedj.core.weights.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 1 (unCLIP): sd-unclip-tiny's noise augmentation and its PNDM v-prediction loop (4 steps, guidance 10),
 * replaying the recorded UNet calls.
 */
class UnclipSamplingOracleTest {
    private static final double STEP_TOL = 2e-6;
    private static final double FINAL_TOL = 1e-4;

    private static StateDict expected;
    private static NDManager manager;
    private static ImageEmbeddingNoiser noiser;
    private static SchedulerConfig config;

    @BeforeAll
    static void open() {
        expected = StateDict.open(Oracle.path("sd-unclip-tiny", "expected.safetensors"));
        manager = NDManager.newBaseManager();
        noiser = ImageEmbeddingNoiser.load(Oracle.path("sd-unclip-tiny"), manager);
        config = SchedulerConfig.fromDiffusersJson(Oracle.path("sd-unclip-tiny", "scheduler", "scheduler_config.json"));
    }

    @AfterAll
    static void close() {
        manager.close();
        expected.close();
    }

    @Test
    void schedulerConfigIsRead() {
        assertEquals(PredictionType.V_PREDICTION, config.predictionType());
        assertEquals(TimestepSpacing.LEADING, config.timestepSpacing());
        assertEquals(1, config.stepsOffset());
        assertEquals(false, config.setAlphaToOne());
        assertEquals(NoiseSchedule.diffusers("scaled_linear", 0.00085, 0.012, 1000), config.schedule());
    }

    @Test
    void noiseAugmentationMatches() {
        try (NDManager m = manager.newSubManager()) {
            assertEquals(expected.getFloats("noise.alphas_cumprod_0")[0], noiser.noisingSchedule().alphaCumprod(0));
            NDArray embeds = expected.get("in.noise.image_embeds", m);
            Oracle.assertClose("noise.scaled", expected.get("noise.scaled", m), noiser.scale(embeds), 1e-6);
            NDArray labels = noiser.noiseImageEmbeddings(embeds, 0, expected.get("in.noise.noise", m), m);
            Oracle.assertClose("noise.class_labels", expected.get("noise.class_labels", m), labels, 1e-6);
        }
    }

    @Test
    void timestepsRepeatTheFirstOne() {
        assertArrayEquals(new int[] {751, 501, 501, 251, 1}, DiffusionSampling.steps(Sampler.PNDM, 4, config));
        try (NDManager m = manager.newSubManager()) {
            long[] recorded = expected.get("pipe.timesteps", m).toLongArray();
            assertArrayEquals(recorded, java.util.Arrays.stream(Timesteps.pndm(4, config)).asLongStream().toArray());
        }
    }

    @Test
    void pndmVPredictionLoopMatches() {
        try (NDManager m = manager.newSubManager()) {
            NDArray c = expected.get("in.pipe.prompt_embeds", m);
            NDArray uc = expected.get("in.pipe.negative_prompt_embeds", m);
            ReplayDenoiser replay = new ReplayDenoiser(expected, "pipe.call", new String[] {"sample", "t", "unet_out"},
                    expected.getFloats("pipe.encoder_hidden_states"), expected.getFloats("pipe.class_labels"), STEP_TOL);
            SampleRequest request = SampleRequest.builder().sampler(Sampler.PNDM).steps(4).guidanceScale(10f)
                    .noiseLevel(0).conditioning(c).unconditional(uc).initialLatents(expected.get("in.pipe.latents", m))
                    .imageEmbeds(expected.get("in.pipe.image_embeds", m)).noise(expected.get("in.pipe.generator_noise", m))
                    .build();
            List<Integer> steps = new ArrayList<>();
            NDArray latents = DiffusionSampling.sample(request, replay, config, noiser, step -> {
                String p = "pipe.step" + step.index() + ".";
                Oracle.assertClose(p + "sample", expected.get(p + "sample", m), step.x(), STEP_TOL);
                Oracle.assertClose(p + "noise_pred", expected.get(p + "noise_pred", m), step.modelOutput(), STEP_TOL);
                Oracle.assertClose(p + "prev_sample", expected.get(p + "prev_sample", m), step.xPrev(), STEP_TOL);
                steps.add(step.timestep());
            }, m);
            assertEquals(List.of(751, 501, 501, 251, 1), steps);
            assertEquals(5, replay.calls());
            Oracle.assertClose("pipe.final_latents", expected.get("pipe.final_latents", m), latents, FINAL_TOL);
        }
    }

    @Test
    void imageEmbeddingsNeedTheNoiserAndAMatchingWidth() {
        try (NDManager m = manager.newSubManager()) {
            NDArray c = expected.get("in.pipe.prompt_embeds", m);
            SampleRequest request = SampleRequest.builder().sampler(Sampler.PNDM).steps(4).guidanceScale(10f)
                    .conditioning(c).unconditional(c).latentShape(4, 8, 8)
                    .imageEmbeds(m.zeros(new ai.djl.ndarray.types.Shape(2, 16))).build();
            Denoiser never = (x, t, ctx, l, mm) -> {
                throw new AssertionError("not called");
            };
            assertThrows(IllegalArgumentException.class, () -> DiffusionSampling.sample(request, never, config, m));
            NDArray wide = m.zeros(new ai.djl.ndarray.types.Shape(2, 17));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> noiser.noiseImageEmbeddings(wide, 0, wide, m));
            assertEquals("image embeddings must be [B, 16], got (2, 17)", e.getMessage());
            NDArray ok = m.zeros(new ai.djl.ndarray.types.Shape(2, 16));
            assertThrows(IllegalArgumentException.class, () -> noiser.noiseImageEmbeddings(ok, 1000, ok, m));
        }
    }

    @Test
    void theNormalizerLoadsFromTheBinFileToo(@TempDir Path dir) throws Exception {
        Path normalizer = Files.createDirectories(dir.resolve("image_normalizer"));
        for (String file : new String[] {"config.json", "diffusion_pytorch_model.bin"}) {
            Files.copy(Oracle.path("sd-unclip-tiny", "image_normalizer", file), normalizer.resolve(file));
        }
        Files.createDirectories(dir.resolve("image_noising_scheduler"));
        Files.copy(Oracle.path("sd-unclip-tiny", "image_noising_scheduler", "scheduler_config.json"),
                dir.resolve("image_noising_scheduler").resolve("scheduler_config.json"));
        try (NDManager m = manager.newSubManager()) {
            ImageEmbeddingNoiser fromBin = ImageEmbeddingNoiser.load(dir, m);
            NDArray labels = fromBin.noiseImageEmbeddings(expected.get("in.noise.image_embeds", m), 0,
                    expected.get("in.noise.noise", m), m);
            Oracle.assertClose("noise.class_labels (.bin)", expected.get("noise.class_labels", m), labels, 1e-6);
        }
    }

    @Test
    void aFolderWithoutTheNormalizerIsAClearError(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("image_normalizer"));
        Files.writeString(dir.resolve("image_normalizer").resolve("config.json"), "{\"embedding_dim\": 16}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> ImageEmbeddingNoiser.load(dir, manager));
        assertEquals(true, e.getMessage().contains("diffusion_pytorch_model"), e.getMessage());
    }
}
